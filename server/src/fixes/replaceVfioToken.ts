// Rewrites one vfio-pci id or slot where it is written (a PCI address put in `ids`, a typo).
import { Fix } from './types';
import { exactBindings } from './vfioTokens';

export const replaceVfioTokenFix: Fix<'replace-vfio-token'> = {
  id: 'replace-vfio-token',
  edits(model, { via, token, replacement }) {
    if (!token || !replacement) return [];
    return exactBindings(model, via, token).map((binding) => ({ file: binding.definition.file, range: binding.range, newText: replacement }));
  },
};
