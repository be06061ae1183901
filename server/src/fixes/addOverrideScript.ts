// Binds devices by address before their drivers load. Scripted initrd: the NixOS VFIO guide's
// loop in boot.initrd.preDeviceCommands writes vfio-pci to each device's driver_override, then
// loads vfio-pci (and re-probes each device when vfio_pci is already loaded by
// boot.initrd.kernelModules: loading it again does nothing, and driver_override probes nothing).
// When the systemd initrd may be on (it has no preDeviceCommands: evaluation
// fails), one udev rule per device in boot.initrd.services.udev.rules instead (udevRules.ts),
// which both initrds read.
import { configView, Definition } from '../model/optionModel';
import { moduleLoads } from '../vfio/bootTimeline';
import { maySystemdInitrd, UDEV_INITRD_RULES, udevOverrideRules } from '../vfio/udevRules';

export { maySystemdInitrd };
import { vfioBindings } from '../vfio/vfioBindings';
import { appendToIndentedString, createBinding } from './listEdits';
import { FileEdit, Fix } from './types';

export const PRE_DEVICE_COMMANDS = 'boot.initrd.preDeviceCommands';

export function overrideScript(addresses: string[], reprobe = false): string[] {
  return [
    `DEVS="${addresses.join(' ')}"`,
    'for DEV in $DEVS; do',
    '  echo "vfio-pci" > /sys/bus/pci/devices/$DEV/driver_override',
    ...(reprobe ? ['  echo "$DEV" > /sys/bus/pci/drivers_probe'] : []),
    'done',
    'modprobe -i vfio-pci',
  ];
}

export const addOverrideScriptFix: Fix<'add-override-script'> = {
  id: 'add-override-script',
  edits(model, { addresses, specialisation }) {
    if (!Array.isArray(addresses)) return [];
    const wanted = addresses.filter(Boolean);
    // In a specialisation, the binding goes there: the base would bind the devices in every boot.
    const view = configView(model, specialisation);
    const udev = maySystemdInitrd(view);
    const own = vfioBindings(view).filter(
      (binding) =>
        binding.kind === 'slot' &&
        binding.definition.specialisation === specialisation &&
        (udev ? binding.via === 'udev-rule' : binding.via === 'driver-override' || binding.via === 'udev-rule'),
    );
    const bound = new Set(own.map((binding) => binding.token.toLowerCase()));
    if (wanted.every((address) => bound.has(address))) return [];
    if (bound.size > 0) return []; // a script or rules exist: add-vfio-ids extends them instead
    const option = udev ? UDEV_INITRD_RULES : PRE_DEVICE_COMMANDS;
    const vfioAlreadyLoaded = moduleLoads(view).some((load) => load.module === 'vfio_pci' && load.step === 'initrd-modules');
    const lines = udev ? udevOverrideRules(wanted) : overrideScript(wanted, vfioAlreadyLoaded);
    const existing = view.definitions(option).filter((definition) => definition.specialisation === specialisation);
    return writeLines(model, existing, option, lines, specialisation);
  },
};

/** Appends `lines` to the option's `''…''` text, or creates the option with them. */
function writeLines(model: Parameters<Fix['edits']>[0], existing: Definition[], option: string, lines: string[], specialisation?: string): FileEdit[] {
  const appended = appendToIndentedString(model, existing, lines);
  if (appended) return [appended];
  if (existing.length > 0) return [];
  const binding = createBinding(model, option.split('.'), (indent) => `''\n${lines.map((line) => `${indent}  ${line}\n`).join('')}${indent}''`, specialisation);
  return binding ? [binding] : [];
}
