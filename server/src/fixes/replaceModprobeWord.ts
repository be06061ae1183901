// Rewrites one word of boot.extraModprobeConfig where it is written (a misspelt key, a module
// name joined to its parameter). `after`/`before` narrow it to a word between two others.
import { configView } from '../model/optionModel';
import { modprobeLines } from '../vfio/modprobeConfig';
import { FileEdit, Fix } from './types';

export const replaceModprobeWordFix: Fix<'replace-modprobe-word'> = {
  id: 'replace-modprobe-word',
  edits(model, { word, replacement, after, before }) {
    if (!word || replacement === undefined) return [];
    const edits: FileEdit[] = [];
    for (const line of modprobeLines(configView(model))) {
      line.words.forEach((candidate, index) => {
        if (candidate.text !== word || !candidate.range) return;
        if (after !== undefined && line.words[index - 1]?.text !== after) return;
        if (before !== undefined && !line.words[index + 1]?.text.startsWith(before)) return;
        edits.push({ file: line.definition.file, range: candidate.range, newText: replacement });
      });
    }
    return edits;
  },
};
