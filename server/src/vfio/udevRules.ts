// udev rules that hand a PCI device to vfio-pci by address: the way the systemd initrd binds,
// which has no preDeviceCommands (sources in docs/rules.md, "Binding by address with the systemd
// initrd"). udev writes an ATTR{} assignment while it reads the rules, and runs RUN (80-drivers.rules'
// `kmod load`, which loads the card's driver) only after every rule of the event, so
//   ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0f:00.0", ATTR{driver_override}="vfio-pci"
// sets the override before that device's driver loads.

import type { ConfigView } from '../model/optionModel';
import { VFIO_DRIVER_NAME, VFIO_MODULE_NAME } from './overrideDriverName';

/** The initrd's rules (nixpkgs services/hardware/udev.nix: 99-local.rules of either initrd). */
export const UDEV_INITRD_RULES = 'boot.initrd.services.udev.rules';

/** Where such rules are written: stage 1 (the old name `services.udev.initrdRules` still works) and stage 2. */
export const UDEV_RULE_OPTIONS = [UDEV_INITRD_RULES, 'services.udev.initrdRules', 'services.udev.extraRules'];

export interface UdevOverride {
  /** The address as written in `KERNEL==` (or `KERNELS==`). */
  address: string;
  /** Its offset in the text. */
  start: number;
  /** The rule asks the kernel to probe the device again (`ATTR{subsystem/drivers_probe}`, a bind). */
  reprobes: boolean;
  /** The name written to driver_override: `vfio-pci`, or `vfio_pci` (the module's name, which binds nothing: overrideDriverName.ts). */
  driver: string;
  /** Where that name is written. */
  driverStart: number;
}

const ADDRESS = /^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const KEY = /([A-Z]+)(?:\{([^}]*)\})?[ \t]*(==|!=|\+=|-=|:=|=)[ \t]*"([^"]*)"/g;

/**
 * The rules of `text` that write vfio-pci (or, by mistake, vfio_pci) to driver_override of one
 * device named by its address.
 * A rule continued with `\` at a line end is one rule. Rules matching several devices (globs,
 * vendor and device attributes) or only on other actions than "add" are left out.
 */
export function udevOverrides(text: string): UdevOverride[] {
  // A backslash-newline continues the rule; blanking it keeps every offset.
  const joined = text.replace(/\\\r?\n/g, (match) => ' '.repeat(match.length));
  const overrides: UdevOverride[] = [];
  let lineStart = 0;
  for (const line of joined.split('\n')) {
    const start = lineStart;
    lineStart += line.length + 1;
    if (/^[ \t]*#/.test(line)) continue;
    let driver: { text: string; start: number } | undefined;
    let address: { text: string; start: number } | undefined;
    let actionOk = true;
    let subsystemOk = true;
    let reprobes = false;
    for (const key of line.matchAll(KEY)) {
      // The pattern's groups all take part in every match (the attribute one may be empty).
      const [, name, attribute, operator, value = ''] = key;
      const valueStart = start + key.index! + key[0].length - value.length - 1;
      if (name === 'ATTR' && attribute === 'driver_override' && (operator === '=' || operator === ':=')) driver = { text: value, start: valueStart };
      else if ((name === 'KERNEL' || name === 'KERNELS') && operator === '==') address = { text: value, start: valueStart };
      else if (name === 'ACTION') actionOk = operator === '==' ? value.split('|').includes('add') : operator === '!=' && !value.split('|').includes('add');
      else if (name === 'SUBSYSTEM' || name === 'SUBSYSTEMS') subsystemOk = operator === '==' && value.split('|').includes('pci');
      else if ((name === 'ATTR' && /drivers_probe$/.test(attribute ?? '')) || (name === 'RUN' && /drivers_probe|\/bind\b/.test(value))) reprobes = true;
    }
    if (!driver || (driver.text !== VFIO_DRIVER_NAME && driver.text !== VFIO_MODULE_NAME)) continue;
    if (!address || !actionOk || !subsystemOk || !ADDRESS.test(address.text)) continue;
    overrides.push({ address: address.text, start: address.start, reprobes, driver: driver.text, driverStart: driver.start });
  }
  return overrides;
}

/** The rule lines the generators write: one per address, each probing its device again. */
export function udevOverrideRules(addresses: readonly string[]): string[] {
  // drivers_probe makes the order with vfio-pci's own loading irrelevant: loaded already, it
  // binds the device now; loaded later, it binds it when it registers.
  return addresses.map(
    (address) => `ACTION=="add", SUBSYSTEM=="pci", KERNEL=="${address}", ATTR{driver_override}="vfio-pci", ATTR{subsystem/drivers_probe}="$kernel"`,
  );
}

/**
 * Whether the initrd may be systemd's: boot.initrd.systemd.enable set to anything but a plain
 * false, under any condition. udev rules work in both initrds, a preDeviceCommands script only in
 * the scripted one, so any doubt goes to udev.
 */
export function maySystemdInitrd(view: ConfigView): boolean {
  return view.definitions('boot.initrd.systemd.enable').some((definition) => !(definition.value.kind === 'bool' && !definition.value.value));
}
