// Binds devices by address instead of by id: the ids that would also take a device the host
// keeps (identical cards, a shared id) come out of every ids list, and the addresses go to
// driver_override (extending udev rules or a script that already do it, else the guide's DEVS
// loop in the scripted initrd or udev rules with the systemd initrd: addOverrideScript.ts). An ids list left empty goes with its kernel parameter or modprobe line.
import type { OptionModel } from '../model/optionModel';
import { modelBindings, normaliseAddress, VfioBinding } from '../vfio/vfioBindings';
import { lineEndAt, lineStartAt, pastLineBreak, TextRange } from '../text';
import { addOverrideScriptFix, maySystemdInitrd } from './addOverrideScript';
import { ConfigView } from '../model/optionModel';
import { addVfioIdsFix } from './addVfioIds';
import { removeFromList } from './listEdits';
import { FileEdit, Fix } from './types';

const ID_LIST_CHAR = /[0-9A-Za-z:._]/;

/** The comma-separated run of tokens around `range` (`a,b,c` of `ids=a,b,c`). */
function commaRun(text: string, range: TextRange): TextRange {
  let start = range.start;
  while (start > 0 && (ID_LIST_CHAR.test(text.charAt(start - 1)) || text[start - 1] === ',')) start--;
  let end = range.end;
  while (end < text.length && (ID_LIST_CHAR.test(text.charAt(end)) || text[end] === ',')) end++;
  return { start, end };
}

/** The edit that takes `drop` out of the ids list a written (not list-joined) binding sits in. */
function removalFromRun(model: OptionModel, binding: VfioBinding, drop: Set<string>): FileEdit {
  const file = binding.definition.file;
  const text = model.files.get(file)?.text ?? '';
  const run = commaRun(text, binding.range);
  const kept = text
    .slice(run.start, run.end)
    .split(',')
    .filter((token) => token !== '' && !drop.has(token.toLowerCase()));
  if (kept.length > 0) return { file, range: run, newText: kept.join(',') };
  const emptied = wholeEmptiedSetting(text, binding, run);
  return emptied ? { file, ...emptied } : { file, range: run, newText: '' };
}

/** An emptied `"vfio-pci.ids=…"` list element, or an emptied `options vfio-pci ids=…` line, as a whole. */
function wholeEmptiedSetting(text: string, binding: VfioBinding, run: TextRange): { range: TextRange; newText: string } | undefined {
  const value = binding.definition.value;
  if (binding.via === 'kernel-param' && value.kind === 'list') {
    const item = value.items.find((candidate) => candidate.range.start <= run.start && run.end <= candidate.range.end);
    if (!item || item.value.kind !== 'string' || !item.value.literal) return undefined;
    if (!/^"vfio[-_]pci\.ids=$/.test(text.slice(item.range.start, run.start)) || text.slice(run.end, item.range.end) !== '"') return undefined;
    const edit = removeFromList(text, binding.definition.file, item.range);
    return { range: edit.range, newText: edit.newText };
  }
  if (binding.via === 'modprobe' && value.kind === 'string' && value.indented) {
    const lineStart = lineStartAt(text, run.start);
    const newline = lineEndAt(text, run.end);
    if (newline >= text.length || lineStart <= value.range.start || newline >= value.range.end - 2) return undefined;
    if (!/^[ \t]*options[ \t]+\S+[ \t]+ids=$/.test(text.slice(lineStart, run.start)) || !/^[ \t]*$/.test(text.slice(run.end, newline))) return undefined;
    return { range: { start: lineStart, end: pastLineBreak(text, newline) }, newText: '' };
  }
  return undefined;
}

export const bindByAddressFix: Fix<'bind-by-address'> = {
  id: 'bind-by-address',
  edits(model, { ids, addresses, specialisation }) {
    if (!Array.isArray(ids) || !Array.isArray(addresses)) return [];
    const drop = new Set(ids.map((id) => id.toLowerCase()).filter(Boolean));
    const written = modelBindings(model).filter((binding) => binding.kind === 'id' && binding.exact && drop.has(binding.token.toLowerCase()));
    const removals: FileEdit[] = [];
    const seen = new Set<string>();
    for (const binding of written) {
      const edit: FileEdit = binding.origin
        ? removeFromList(model.files.get(binding.definition.file)?.text ?? '', binding.definition.file, binding.origin.element)
        : removalFromRun(model, binding, drop);
      const key = `${edit.file}:${edit.range.start}:${edit.range.end}`;
      if (!seen.has(key)) removals.push(edit);
      seen.add(key);
    }
    // Extend what binds by address already: udev rules, or (only while the initrd is surely the
    // scripted one: the systemd initrd has no preDeviceCommands) a driver_override script.
    const udev = maySystemdInitrd(new ConfigView(model, specialisation));
    const extendable = (['udev-rule', 'driver-override'] as const).filter((via) => via === 'udev-rule' || !udev);
    const via = extendable.find((candidate) =>
      modelBindings(model).some((binding) => binding.via === candidate && binding.exact && binding.definition.specialisation === specialisation),
    );
    const binding = via ? addVfioIdsFix.edits(model, { via, tokens: addresses }) : addOverrideScriptFix.edits(model, { addresses, specialisation });
    // Ids are only taken away when the addresses get bound (or already are): a script that cannot
    // be written (its parent is an expression: `boot.initrd = import ./initrd.nix;`) means no fix.
    const alreadyBound = (address: string) =>
      modelBindings(model).some(
        (other) =>
          (other.via === 'driver-override' || other.via === 'udev-rule') &&
          !other.noDevice &&
          other.exact &&
          other.definition.specialisation === specialisation &&
          normaliseAddress(other.token) === normaliseAddress(address),
      );
    if (binding.length === 0 && !addresses.every(alreadyBound)) return [];
    return [...removals, ...binding];
  },
};
