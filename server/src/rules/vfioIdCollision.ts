// An id binds every device that has it. With two identical cards (or a chipset device sharing
// an id) `vfio-pci.ids` takes all of them, including the one the host meant to keep; binding by
// slot (driver_override) takes only the one at that address.
import { maySystemdInitrd } from '../vfio/udevRules';
import { HardwareSnapshot, iommuGroups, PciDevice } from '../hardware/snapshot';
import { ConfigView } from '../model/optionModel';
import { describeDevice, devicesFor, isBridge, slotOf } from '../vfio/devices';
import { VfioBinding, vfioBindings } from '../vfio/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_ID_COLLISION = 'vfio-id-collision';

/**
 * What the rule reads about a view's bindings, once per view: the devices each binding takes,
 * which bindings hold each card's slot, and which ids take a device of each group. Findings and
 * their fix requests are then cheap however many bindings the view has.
 */
interface ViewBindings {
  taken: Map<VfioBinding, PciDevice[]>;
  /** Slot → who binds a device of it alone: an id's lower-case token, or a slot binding's marker. */
  slotHolders: Map<string, Set<string>>;
  /** Group → lower-case ids that take one of its (non-bridge) devices. */
  idsByGroup: Map<number, Set<string>>;
  /** Fix requests per lower-case token (every binding of one token gets the same). */
  requestsByToken: Map<string, FixRequest[]>;
}

const SLOT_BINDING = '\u0000slot';

function viewBindings(view: ConfigView, hardware: HardwareSnapshot): ViewBindings {
  const taken = new Map<VfioBinding, PciDevice[]>();
  const byToken = new Map<string, PciDevice[]>();
  const slotHolders = new Map<string, Set<string>>();
  const idsByGroup = new Map<number, Set<string>>();
  for (const binding of vfioBindings(view)) {
    const key = binding.kind === 'id' ? binding.token.toLowerCase() : SLOT_BINDING;
    const cacheKey = `${binding.kind}\u0000${binding.token}`;
    let devices = byToken.get(cacheKey);
    if (!devices) byToken.set(cacheKey, (devices = devicesFor(binding, hardware)));
    taken.set(binding, devices);
    // A binding that itself takes devices in several groups says nothing about which card is the VM's.
    if (new Set(devices.map((device) => device.iommuGroup)).size === 1)
      for (const device of devices) {
        const slot = slotOf(device.address);
        const holders = slotHolders.get(slot) ?? new Set<string>();
        holders.add(key);
        slotHolders.set(slot, holders);
      }
    if (binding.kind === 'id')
      for (const device of devices) {
        if (device.iommuGroup === null || isBridge(device)) continue;
        const ids = idsByGroup.get(device.iommuGroup) ?? new Set<string>();
        ids.add(key);
        idsByGroup.set(device.iommuGroup, ids);
      }
  }
  return { taken, slotHolders, idsByGroup, requestsByToken: new Map() };
}

/**
 * The groups an id takes, the likeliest VM card first: a group holding a function of a card the
 * configuration already binds by other means (same bus and slot as a device another binding takes
 * alone: the GPU beside this audio function), then one already on vfio-pci, then not the boot GPU.
 */
function groupsByLikelyVm(index: ViewBindings, hardware: HardwareSnapshot, token: string, matches: PciDevice[]): number[] {
  const self = token.toLowerCase();
  const boundByOthers = (slot: string) => [...(index.slotHolders.get(slot) ?? [])].some((holder) => holder !== self);
  const rank = (group: number) => {
    const devices = matches.filter((device) => device.iommuGroup === group);
    const members = hardware.devices.filter((device) => device.iommuGroup === group);
    return (
      (members.some((device) => boundByOthers(slotOf(device.address))) ? 0 : 4) +
      (devices.some((device) => device.driver === 'vfio-pci') ? 0 : 2) +
      (members.some((device) => device.bootVga) ? 1 : 0)
    );
  };
  const groups = [...new Set(matches.map((device) => device.iommuGroup).filter((group): group is number => group !== null))];
  const ordered = groups.sort((a, b) => rank(a) - rank(b) || a - b);
  // When the configuration shows which card is the VM's, the other cards are the host's: no fix offers them.
  return ordered.some((group) => rank(group) < 4) ? ordered.filter((group) => rank(group) < 4) : ordered;
}

/** "Bind only this group, by address": every id of the view that takes one of its devices comes out. */
function bindGroupByAddress(view: ConfigView, index: ViewBindings, hardware: HardwareSnapshot, group: number): FixRequest {
  const members = (iommuGroups(hardware).get(group) ?? []).filter((device) => !isBridge(device));
  const ids = index.idsByGroup.get(group) ?? new Set<string>();
  const addresses = members.map((device) => device.address).sort();
  return {
    fix: 'bind-by-address',
    title: `Pass only group ${group} (${addresses.map((address) => address.replace(/^0000:/, '')).join(', ')}): bind it by address with driver_override`,
    args: { ids: [...ids].sort(), addresses, specialisation: view.specialisation },
  };
}

export const vfioIdCollision: Rule = {
  code: VFIO_ID_COLLISION,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: 'A vfio-pci id that matches devices in more than one IOMMU group',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      let index: ViewBindings | undefined;
      for (const binding of vfioBindings(view)) {
        if (binding.kind !== 'id') continue;
        if (!view.owns(binding.definition)) continue;
        index ??= viewBindings(view, hardware);
        const matches = index.taken.get(binding) ?? [];
        const groups = new Set(matches.map((device) => device.iommuGroup));
        if (matches.length < 2 || groups.size < 2) continue;
        const known = index.requestsByToken.get(binding.token.toLowerCase());
        const byAddress = !binding.exact
          ? []
          : (known ?? groupsByLikelyVm(index, hardware, binding.token, matches).map((group) => bindGroupByAddress(view, index!, hardware, group)));
        if (binding.exact && !known) index.requestsByToken.set(binding.token.toLowerCase(), byAddress);
        const keep: FixRequest[] = binding.exact
          ? [
              {
                fix: 'suppress-on-binding-line',
                title: `Keep: all devices with ${binding.token} go to VMs (silence this here)`,
                args: { code: VFIO_ID_COLLISION, via: binding.via, token: binding.token },
              },
            ]
          : [];
        const [fix, ...moreFixes] = [...byAddress, ...keep];
        findings.push({
          code: VFIO_ID_COLLISION,
          severity: 'warning',
          message:
            `${binding.token} matches ${matches.length} devices in different IOMMU groups: ${matches
              .map((device) => `${describeDevice(device)} (group ${device.iommuGroup}${device.bootVga ? ', boot GPU' : ''})`)
              .join('; ')}. Binding by id takes all of them. To pass only one, bind it by address with driver_override in ` +
            `${maySystemdInitrd(view) ? 'a udev rule (boot.initrd.services.udev.rules: the systemd initrd has no preDeviceCommands)' : 'boot.initrd.preDeviceCommands'}; if all of them are meant for VMs, silence this with "# nix-vfio: disable-next-line ${VFIO_ID_COLLISION}".`,
          file: binding.file,
          range: binding.range,
          ...(fix ? { fix } : {}),
          ...(moreFixes.length > 0 ? { moreFixes } : {}),
        });
      }
    }
    return findings;
  },
};
