// "Keep it as it is": silences one finding on a vfio-pci binding with a
// `# nix-vfio: disable-next-line <code>` comment above its line. Inside a ''…'' string the line
// is a comment to modprobe and to the shell as well, so the string's meaning does not change.
import { readSuppressions, Suppressions } from '../analysis/suppressions';
import { indentationAt, lineStartAt } from '../text';
import { FileEdit, Fix } from './types';
import { exactBindings } from './vfioTokens';

export const suppressOnBindingLineFix: Fix<'suppress-on-binding-line'> = {
  id: 'suppress-on-binding-line',
  edits(model, { code, via, token }) {
    if (!code || !token) return [];
    const edits: FileEdit[] = [];
    const lines = new Set<string>();
    // One reading of each file's directives, however many bindings it holds.
    const suppressions = new Map<string, Suppressions>();
    for (const binding of exactBindings(model, via, token)) {
      const file = binding.definition.file;
      const text = model.files.get(file)?.text ?? '';
      let directives = suppressions.get(file);
      if (!directives) suppressions.set(file, (directives = readSuppressions(text)));
      if (directives.isSuppressed(code, binding.range.start)) continue;
      const value = binding.definition.value;
      const lineStart = lineStartAt(text, binding.range.start);
      // A line break inside a "…" string would become part of the string.
      if (value.kind === 'string' && !value.indented && value.range.start < lineStart) continue;
      const key = `${file}:${lineStart}`;
      if (lines.has(key)) continue;
      lines.add(key);
      edits.push({ file, range: { start: lineStart, end: lineStart }, newText: `${indentationAt(text, lineStart)}# nix-vfio: disable-next-line ${code}\n` });
    }
    return edits;
  },
};
