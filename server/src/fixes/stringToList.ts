// Turns a list option written as one string (`boot.blacklistedKernelModules = "nouveau nvidia";`)
// into the list it was meant to be, one string per word; double-quoted parts of a kernel
// parameter (`foo="a b"`) stay together.
import { optionDefinitions } from '../model/optionModel';
import { knownText } from '../model/values';
import { nixString } from './listEdits';
import { listWords } from '../vfio/kernelParams';
import { Fix } from './types';

export const stringToListFix: Fix<'string-to-list'> = {
  id: 'string-to-list',
  edits(model, { option, text }) {
    if (!option || text === undefined) return [];
    const words = listWords(option, text);
    return optionDefinitions(model, option)
      .filter((definition) => definition.value.kind === 'string' && definition.value.literal && knownText(definition.value) === text)
      .map((definition) => ({
        file: definition.file,
        range: definition.value.range,
        newText: words.length === 0 ? '[ ]' : `[ ${words.map(nixString).join(' ')} ]`,
      }));
  },
};
