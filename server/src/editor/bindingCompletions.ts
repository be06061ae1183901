// The vfio binding setup offered where an option can be written: the initrd modules, a driver
// blacklist, ids with their softdeps, and the by-address binding. They replace static snippets,
// which could not see the file or the machine: a list option gets its missing items merged into
// the file's list (a second definition in one set is a duplicate attribute), a text option is only
// written where none exists, ids and addresses come from the snapshot when one card is clearly
// the guest's, and nothing is offered that would undo or fight a binding the configuration has.
import { HardwareSnapshot, PciDevice } from '../hardware/snapshot';
import { ConfigView, configView, OptionModel } from '../model/optionModel';
import { moduleLoads } from '../vfio/bootTimeline';
import { boundDevices, idOf, isBridge, isDisplay } from '../vfio/devices';
import { GPU_DRIVERS, initrdGpuDrivers } from '../vfio/gpuDrivers';
import { kernelModules, normaliseModuleName } from '../vfio/kernelModules';
import { blacklistedModules } from '../vfio/modprobeConfig';
import { maySystemdInitrd, UDEV_INITRD_RULES, udevOverrideRules } from '../vfio/udevRules';
import { idAssignments, vfioBindings } from '../vfio/vfioBindings';
import { overrideScript, PRE_DEVICE_COMMANDS } from '../fixes/addOverrideScript';
import type { Completion } from './completion';
import { definitionsIn, item, listItemsCompletion, writtenAt } from './completionPlaces';

const VFIO_MODULES = ['vfio_pci', 'vfio', 'vfio_iommu_type1'];
const BLACKLIST = 'boot.blacklistedKernelModules';
const INITRD_MODULES = 'boot.initrd.kernelModules';
const MODPROBE_CONFIG = 'boot.extraModprobeConfig';
/** The NixOS VFIO guide's example card, used (and said to be an example) when the snapshot names none. */
const EXAMPLE = { ids: ['10de:1b80', '10de:10f0'], addresses: ['0000:0f:00.0', '0000:0f:00.1'] };

/**
 * The card the guest most likely gets: the one display device the firmware did not boot on, with
 * the other endpoints of its IOMMU group. Undefined when there is no such single card (several, or
 * a group shared with something else than its own functions): then the example stands, and says so.
 */
function guestCard(hardware: HardwareSnapshot | undefined): PciDevice[] | undefined {
  if (!hardware) return undefined;
  const candidates = hardware.devices.filter((device) => isDisplay(device) && !device.bootVga);
  const [gpu] = candidates;
  if (candidates.length !== 1 || !gpu || gpu.iommuGroup === null || !hardware.devices.some((device) => device.bootVga)) return undefined;
  const members = hardware.devices.filter((device) => device.iommuGroup === gpu.iommuGroup && !isBridge(device));
  const slot = gpu.address.slice(0, -2);
  return members.every((device) => device.address.startsWith(slot)) ? members : undefined;
}

/** Drivers a display device can have: the bound one and the ones that could take it. */
const driversOf = (device: PciDevice) =>
  [device.driver ?? '', ...(device.kernelModules ?? [])].map(normaliseModuleName).filter((name) => GPU_DRIVERS.has(name));

/** The GPU drivers made for a vendor's cards: a softdep for one that never loads does nothing. */
const VENDOR_DRIVERS: Record<string, string[]> = { '10de': ['nvidia', 'nouveau'], '1002': ['amdgpu', 'radeon'], '8086': ['i915', 'xe'] };

/** Every driver that may take a display device: the ones the snapshot names, and its vendor's. */
const possibleDrivers = (device: PciDevice) => [...driversOf(device), ...(VENDOR_DRIVERS[device.vendor] ?? [])];

/** The discrete-GPU drivers guides name, when no snapshot says which apply. */
const GUIDE_DRIVERS = ['nvidia', 'nouveau', 'amdgpu', 'radeon'];

/**
 * GPU drivers of cards the host keeps: every display device no binding takes; while nothing is
 * bound, every one but the guest card (all of them when that card is not clear).
 */
function hostDrivers(view: ConfigView, hardware: HardwareSnapshot, card: readonly PciDevice[] | undefined): Set<string> {
  const bindings = vfioBindings(view);
  const bound = boundDevices(bindings, hardware);
  const kept = hardware.devices.filter((device) => isDisplay(device) && (bindings.length > 0 ? !bound.has(device.address) : !card?.includes(device)));
  return new Set(kept.flatMap(possibleDrivers));
}

export function bindingCompletionsAt(
  model: OptionModel,
  hardware: HardwareSnapshot | undefined,
  file: string,
  offset: number,
  /** Whether the word typed so far starts one of the prefixes (or one of them starts it). */
  matches: (prefixes: string[]) => boolean,
  replace: Completion['replace'],
): Completion[] {
  const view = configView(model);
  const completions: Completion[] = [];
  const card = guestCard(hardware);

  if (matches(['vfio-modules', INITRD_MODULES])) {
    // Loaded early while a script binds by address, vfio_pci would register before the script runs (vfio-pci-before-override).
    const scriptBinds = vfioBindings(view).some((binding) => binding.via === 'driver-override');
    // Appended after a GPU driver in the list, vfio_pci would load after it: the rules say so; nothing is written here.
    const gpuFirst = initrdGpuDrivers(view).length > 0;
    const loaded = new Set(kernelModules(view, [INITRD_MODULES]).map((entry) => entry.name));
    const missing = VFIO_MODULES.filter((name) => !loaded.has(name));
    if (!scriptBinds && !gpuFirst && missing.length > 0) {
      const detail = 'Load vfio-pci in the initrd, before a GPU driver can take the card';
      const modules = listItemsCompletion(
        model,
        file,
        offset,
        INITRD_MODULES,
        missing,
        { label: 'vfio-modules', detail, mergedDetail: `${detail}: added to the list of this file` },
        replace,
      );
      if (modules) completions.push(modules);
    }
  }

  if (matches(['vfio-blacklist', BLACKLIST])) {
    const already = blacklistedModules(view);
    const keep = hardware ? hostDrivers(view, hardware, card) : new Set<string>();
    // With a snapshot, only drivers of cards the host does not keep: blacklisting the host's own leaves it without a display.
    const offered = hardware ? [...new Set(hardware.devices.filter(isDisplay).flatMap(driversOf))].filter((name) => !keep.has(name)) : GUIDE_DRIVERS;
    for (const driver of offered.filter((name) => !already.has(name))) {
      const detail = `Keep ${driver} from loading at all${hardware ? ' (no card the host keeps uses it)' : ' (only when the host does not use it)'}`;
      const blacklist = listItemsCompletion(
        model,
        file,
        offset,
        BLACKLIST,
        [driver],
        { label: `vfio-blacklist ${driver}`, detail, mergedDetail: `${detail}: added to the list of this file` },
        replace,
      );
      if (blacklist) completions.push(blacklist);
    }
  }

  // Ids and addresses are written only where the configuration binds nothing yet: a second `ids=`
  // would replace the first (effectiveIds.ts), and a second script or rule set fights the first.
  const bindsAlready = vfioBindings(view).length > 0 || idAssignments(view).length > 0;

  if (matches(['vfio-ids', 'options vfio-pci']) && !bindsAlready && definitionsIn(model, file, MODPROBE_CONFIG).length === 0) {
    const binding = writtenAt(model, file, offset, MODPROBE_CONFIG);
    // Identical cards share ids: ids would take the host's card too, so only the by-address binding is offered.
    const ids = card ? [...new Set(card.map(idOf))] : EXAMPLE.ids;
    const collides = card && hardware?.devices.some((device) => !card.includes(device) && ids.includes(idOf(device)));
    const drivers = card ? [...new Set(card.filter(isDisplay).flatMap(possibleDrivers))] : [];
    const softdeps = drivers.length > 0 ? drivers : GUIDE_DRIVERS;
    if (binding && !collides) {
      const lines = [`options vfio-pci ids=${ids.join(',')}`, ...softdeps.map((driver) => `softdep ${driver} pre: vfio-pci`)];
      completions.push(
        item(
          'vfio-ids',
          card
            ? `Bind ${ids.join(', ')} to vfio-pci; the softdeps load vfio-pci before the GPU driver`
            : `Bind devices by id (example ids: write your card's); the softdeps load vfio-pci first`,
          `${binding} = ''\n${lines.map((line) => `  ${line}\n`).join('')}'';`,
          replace,
        ),
      );
    }
  }

  if (matches(['vfio-driver-override', 'preDeviceCommands', 'driver_override']) && !bindsAlready) {
    const udev = maySystemdInitrd(view);
    const option = udev ? UDEV_INITRD_RULES : PRE_DEVICE_COMMANDS;
    const binding = definitionsIn(model, file, option).length === 0 ? writtenAt(model, file, offset, option) : undefined;
    const addresses = card ? card.map((device) => device.address) : EXAMPLE.addresses;
    const reprobe = moduleLoads(view).some((load) => load.module === 'vfio_pci' && load.step === 'initrd-modules');
    const lines = udev ? udevOverrideRules(addresses) : overrideScript(addresses, reprobe);
    if (binding) {
      const what = card ? addresses.join(', ') : "devices by PCI address (example addresses: write your card's)";
      completions.push(
        item(
          'vfio-driver-override',
          `Bind ${what} to vfio-pci ${udev ? 'with udev rules (the systemd initrd has no preDeviceCommands)' : 'in the scripted initrd'}`,
          `${binding} = ''\n${lines.map((line) => `  ${line}\n`).join('')}'';`,
          replace,
        ),
      );
    }
  }
  return completions;
}
