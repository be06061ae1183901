// Binds devices by address in the scripted initrd, the NixOS VFIO guide's way: before udev
// loads any driver, write vfio-pci to each device's driver_override, then load vfio-pci. When
// vfio_pci is already loaded by then (boot.initrd.kernelModules), loading it again does nothing
// and writing driver_override probes nothing, so each device is also handed to drivers_probe.
import { ConfigView } from '../model/optionModel';
import { moduleLoads } from '../vfio/bootTimeline';
import { vfioBindings } from '../vfio/vfioBindings';
import { appendToIndentedString, createBinding } from './listEdits';
import { Fix } from './types';

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
    // In a specialisation, the script goes there: the base would bind the devices in every boot.
    const view = new ConfigView(model, specialisation);
    const own = vfioBindings(view).filter((binding) => binding.kind === 'slot' && binding.definition.specialisation === specialisation);
    const bound = new Set(own.map((binding) => binding.token.toLowerCase()));
    if (wanted.every((address) => bound.has(address))) return [];
    if (bound.size > 0) return []; // a script exists: add-vfio-ids extends it instead
    const vfioAlreadyLoaded = moduleLoads(view).some((load) => load.module === 'vfio_pci' && load.step === 'initrd-modules');
    const lines = overrideScript(wanted, vfioAlreadyLoaded);
    const existing = view.definitions(PRE_DEVICE_COMMANDS).filter((definition) => definition.specialisation === specialisation);
    const appended = appendToIndentedString(model, existing, lines);
    if (appended) return [appended];
    if (existing.length > 0) return [];
    const binding = createBinding(
      model,
      PRE_DEVICE_COMMANDS.split('.'),
      (indent) => `''\n${lines.map((line) => `${indent}  ${line}\n`).join('')}${indent}''`,
      specialisation,
    );
    return binding ? [binding] : [];
  },
};
