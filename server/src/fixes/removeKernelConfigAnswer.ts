// Removes a kernel config answer (`VFIO_VIRQFD m` in a kernelPatches `extraConfig`, or
// `VFIO_VIRQFD = module;` in `structuredExtraConfig`) with its line, when it stands alone on its
// line (with at most a comment after it); an answer sharing its line with other text is left alone.
import { configViews } from '../model/optionModel';
import { kernelConfigAnswers } from '../vfio/kernelConfig';
import { FileEdit, Fix } from './types';

export const removeKernelConfigAnswerFix: Fix<'remove-kernel-config-answer'> = {
  id: 'remove-kernel-config-answer',
  edits(model, { name, value }) {
    if (!name || value === undefined) return [];
    const edits = new Map<string, FileEdit>();
    for (const view of configViews(model)) {
      for (const answer of kernelConfigAnswers(view)) {
        if (answer.name !== name || answer.value !== value) continue;
        const text = model.files.get(answer.definition.file)?.text;
        if (text === undefined) continue;
        const lineStart = text.lastIndexOf('\n', answer.range.start - 1) + 1;
        const newline = text.indexOf('\n', answer.range.end);
        const lineEnd = newline < 0 ? text.length : newline;
        const before = text.slice(lineStart, answer.range.start);
        const after = text.slice(answer.range.end, lineEnd);
        // Only whitespace before it, and nothing but a comment after it that could hold a string's end.
        if (!/^[ \t]*$/.test(before) || !/^[ \t]*(#[^'"]*)?\r?$/.test(after) || newline < 0) continue;
        edits.set(`${answer.definition.file}:${lineStart}`, { file: answer.definition.file, range: { start: lineStart, end: newline + 1 }, newText: '' });
      }
    }
    return [...edits.values()];
  },
};
