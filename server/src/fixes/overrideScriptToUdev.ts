// With the systemd initrd, the guide's driver_override loop in boot.initrd.preDeviceCommands fails
// evaluation: the binding is rewritten in place as boot.initrd.services.udev.rules, one rule per
// address it binds (udevRules.ts). Only a script that does nothing else (the DEVS loop, echo lines,
// `modprobe vfio-pci`, comments) is rewritten, so no other command is lost.
import { configView } from '../model/optionModel';
import { UDEV_INITRD_RULES, udevOverrideRules } from '../vfio/udevRules';
import { normaliseAddress, vfioBindings } from '../vfio/vfioBindings';
import { indentationAt } from '../text';
import { FileEdit, Fix } from './types';

const PRE_DEVICE = 'boot.initrd.preDeviceCommands';

/** A line of the guide's loop (or of one echo per device). */
const LOOP_LINE =
  /^\s*(#.*|[A-Za-z_]\w*="[0-9a-fA-F:. ]*"|for \w+ in [^;]*;\s*do|do|done|echo (-n )?"?vfio-pci"? > "?\/sys\/bus\/pci\/devices\/[^\s"]+\/driver_override"?|modprobe (-i )?vfio[-_]pci|)$/;

export const overrideScriptToUdevFix: Fix<'override-script-to-udev'> = {
  id: 'override-script-to-udev',
  edits(model, { specialisation }) {
    const view = configView(model, specialisation);
    if (view.definitions(UDEV_INITRD_RULES).some((definition) => definition.specialisation === specialisation)) return [];
    const edits: FileEdit[] = [];
    for (const definition of view.definitions(PRE_DEVICE)) {
      if (definition.specialisation !== specialisation || definition.value.kind !== 'string' || !definition.value.literal) continue;
      const script = definition.value.parts.map((part) => (part.kind === 'text' ? part.text : '\u0000')).join('');
      if (script.includes('\u0000') || !script.split('\n').every((line) => LOOP_LINE.test(line))) continue;
      const slots = vfioBindings(view).filter((binding) => binding.definition === definition && binding.kind === 'slot');
      if (slots.length === 0 || slots.some((binding) => !binding.exact)) continue;
      const text = model.files.get(definition.file)?.text ?? '';
      const written = text.slice(definition.bindingRange.start, definition.bindingRange.end);
      const attrpath = /^([\w.]*)preDeviceCommands(\s*=)/.exec(written);
      if (!attrpath) continue;
      const indent = indentationAt(text, definition.bindingRange.start);
      const rules = udevOverrideRules([...new Set(slots.map((binding) => normaliseAddress(binding.token)))]);
      const value = `''\n${rules.map((rule) => `${indent}  ${rule}\n`).join('')}${indent}''`;
      // `boot.initrd.preDeviceCommands` → `boot.initrd.services.udev.rules`, `preDeviceCommands` (inside initrd) → `services.udev.rules`.
      edits.push({ file: definition.file, range: definition.bindingRange, newText: `${attrpath[1]}services.udev.rules${attrpath[2]} ${value};` });
    }
    return edits;
  },
};
