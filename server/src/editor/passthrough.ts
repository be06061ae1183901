// "Pass through this device": from one GPU (or any device), the complete setup the NixOS VFIO
// guide describes, merged into the user's existing settings without duplicating any: the IOMMU
// flag for the CPU vendor, vfio modules in the initrd, the whole IOMMU group bound (by id, or by
// address when an id would also take a device outside the group), and a softdep so vfio-pci
// loads before the GPU driver.
import { HardwareSnapshot, iommuGroups, PciDevice } from '../hardware/snapshot';
import { fixEdits } from '../fixes/registry';
import { FileEdit } from '../fixes/types';
import { configView, OptionModel } from '../model/optionModel';
import { GPU_DRIVERS, initrdGpuDrivers } from '../vfio/gpuDrivers';
import { blacklisted, kernelModules, normaliseModuleName } from '../vfio/kernelModules';
import { maySystemdInitrd } from '../vfio/udevRules';
import { describeDevice, devicesFor, idOf, isBridge, isDisplay, slotOf } from '../vfio/devices';
import { KERNEL_PARAMS } from '../vfio/kernelParams';
import { modelBindings, VfioBinding } from '../vfio/vfioBindings';
import { FixRequest } from '../rules/types';
import { applyEdits } from '../text';

export const VFIO_MODULES = ['vfio_pci', 'vfio', 'vfio_iommu_type1'];

export interface PassthroughPlan {
  steps: FixRequest[];
  /** What the user should know: the group is shared, binding is by address, and why. */
  notes: string[];
}

/** A device the host needs that passing the group would take from it, and why it needs it. */
export interface HostNeed {
  device: PciDevice;
  why: string;
}

/** Refused: the group holds devices the host needs; `allowSharedGroup` binds them anyway. */
export interface PassthroughRefusal {
  error: string;
  hostNeeds: HostNeed[];
}

/**
 * What the host would lose: storage (01xx: its disks), network (02xx), USB controllers (0c03:
 * keyboard and mouse) outside the card's own slot (a Turing card's USB function is the card's),
 * and the boot display or the machine's only display device, whichever member it is.
 */
export function hostNeedsInGroup(hardware: HardwareSnapshot, device: PciDevice, members: readonly PciDevice[]): HostNeed[] {
  const displays = hardware.devices.filter(isDisplay);
  const needs: HostNeed[] = [];
  for (const member of members) {
    const ownCard = slotOf(member.address) === slotOf(device.address);
    if (member.class.startsWith('01')) needs.push({ device: member, why: 'a storage controller: the host may lose its disks (and its root file system)' });
    else if (member.class.startsWith('02')) needs.push({ device: member, why: 'a network controller: the host loses this network connection' });
    else if (member.class.startsWith('0c03') && !ownCard)
      needs.push({ device: member, why: 'a USB controller: the host loses the keyboard, mouse and disks on its ports' });
    else if (isDisplay(member) && displays.length === 1)
      needs.push({ device: member, why: "the host's only display device: the host will be headless (single-GPU passthrough)" });
    else if (isDisplay(member) && member.bootVga)
      needs.push({ device: member, why: "the host's boot display (boot_vga): the firmware and the host console show on it" });
  }
  return needs;
}

/**
 * Why "Pass through" refuses a whole group, planned from its lead device as the client picks it
 * (its GPU, else its first endpoint), or undefined when the plan would go ahead.
 */
export function groupPassThroughRefusal(hardware: HardwareSnapshot, group: readonly PciDevice[]): string | undefined {
  const members = group.filter((member) => !isBridge(member));
  const lead = members.find(isDisplay) ?? members[0];
  if (!lead) return undefined;
  const needs = hostNeedsInGroup(hardware, lead, members);
  if (needs.length === 0) return undefined;
  return `The host needs ${needs.map((need) => `${describeDevice(need.device)}: ${need.why}`).join('; ')}. A VM gets whole IOMMU groups, so "Pass through" leaves this group alone.`;
}

export function planPassthrough(
  model: OptionModel,
  hardware: HardwareSnapshot,
  address: string,
  options: { allowSharedGroup?: boolean } = {},
): PassthroughPlan | { error: string } | PassthroughRefusal {
  const device = hardware.devices.find((candidate) => candidate.address === address);
  if (!device) return { error: `No device at ${address} in the hardware snapshot.` };
  if (device.iommuGroup === null)
    return { error: `${describeDevice(device)} is in no IOMMU group: the IOMMU is off (enable VT-d / AMD-Vi in the firmware first).` };
  const members = (iommuGroups(hardware).get(device.iommuGroup) ?? []).filter((member) => !isBridge(member));
  const notes: string[] = [];
  const hostNeeds = hostNeedsInGroup(hardware, device, members);
  if (hostNeeds.length > 0 && !options.allowSharedGroup) {
    const shared = hostNeeds.some((need) => need.device !== device && slotOf(need.device.address) !== slotOf(device.address));
    return {
      hostNeeds,
      error:
        `Not passed through: ${describeDevice(device)} ${shared ? `shares IOMMU group ${device.iommuGroup} with devices the host needs` : 'is a device the host needs'}: ` +
        hostNeeds.map((need) => `${describeDevice(need.device)} (${need.why})`).join('; ') +
        '. A VM gets whole IOMMU groups. ' +
        (shared
          ? 'Options: put the card in another slot (one with its own group, often CPU-attached), look for ACS / IOMMU-group settings in the firmware, ' +
            'or the ACS override patch (pcie_acs_override=, which splits groups but lets their devices reach each other without the IOMMU). '
          : 'Give the host another display (an integrated GPU or a second card) first. ') +
        'To bind them anyway, choose that explicitly (--allow-shared-group); the configuration will keep reporting it.',
    };
  }
  for (const need of hostNeeds) notes.push(`Bound although the host needs it: ${describeDevice(need.device)}, ${need.why}.`);
  const others = members.filter((member) => member.address.slice(0, -2) !== device.address.slice(0, -2));
  if (others.length > 0) {
    notes.push(`IOMMU group ${device.iommuGroup} also holds ${others.map(describeDevice).join(', ')}; they go to the VM too.`);
  }
  const steps: FixRequest[] = [];
  if (hardware.cpu.vendor === 'intel') {
    steps.push({ fix: 'add-list-item', title: 'intel_iommu=on', args: { option: KERNEL_PARAMS, item: 'intel_iommu=on' } });
  }
  const groupAddresses = new Set(members.map((member) => member.address));
  const collides = members.some((member) => hardware.devices.some((other) => idOf(other) === idOf(member) && !groupAddresses.has(other.address)));
  for (const module of VFIO_MODULES) {
    // Bound by address in a script, vfio_pci must load after the driver_override loop (the loop loads it), or
    // it registers first and never probes the cards: only put into the initrd then.
    // (Already in boot.initrd.kernelModules, it stays, and the loop re-probes: see add-override-script.)
    // A udev rule (systemd initrd) re-probes by itself and needs vfio-pci loaded already: the list then.
    const byScript = collides && !maySystemdInitrd(configView(model));
    const option = byScript && module === 'vfio_pci' ? 'boot.initrd.availableKernelModules' : 'boot.initrd.kernelModules';
    if (option !== 'boot.initrd.kernelModules' && kernelModules(configView(model), ['boot.initrd.kernelModules']).some((entry) => entry.name === module))
      continue;
    steps.push({ fix: 'add-list-item', title: module, args: { option, item: module, modules: true } });
  }
  steps.push(...bindingSteps(model, hardware, members, collides));
  if (collides) notes.push('An id of this group also matches a device outside it, so the devices are bound by address (driver_override) in the initrd.');
  // The card's own driver, and every GPU driver the initrd loads: NixOS sorts module lists, so
  // without a softdep any of them may load before vfio-pci and take the card.
  const current = members.map((member) => member.driver).filter((driver): driver is string => !!driver && GPU_DRIVERS.has(driver));
  // A driver the configuration blacklists (and the initrd does not load by name) stays off the
  // card anyway: the blacklist is the guide's other way, and needs no softdep beside it.
  const view = configView(model);
  const inInitrd = initrdGpuDrivers(view);
  const blacklist = blacklisted(view);
  const drivers = [...new Set([...current.filter((driver) => !blacklist.has(normaliseModuleName(driver))), ...inInitrd])];
  for (const driver of drivers) {
    steps.push({ fix: 'add-modprobe-line', title: `softdep ${driver}`, args: { line: `softdep ${driver} pre: vfio-pci` } });
  }
  return { steps, notes };
}

function bindingSteps(model: OptionModel, hardware: HardwareSnapshot, members: PciDevice[], byAddress: boolean): FixRequest[] {
  const existing = modelBindings(model).filter((binding) => binding.exact);
  if (byAddress) {
    // Ids already written for these devices would take their twins too: they go, addresses come.
    const addresses = members.map((member) => member.address);
    const takesMember = (binding: VfioBinding) => devicesFor(binding, hardware).some((device) => members.includes(device));
    const ids = [...new Set(existing.filter((binding) => binding.kind === 'id' && takesMember(binding)).map((binding) => binding.token.toLowerCase()))];
    return [{ fix: 'bind-by-address', title: 'bind by address', args: { ids, addresses } }];
  }
  const ids = [...new Set(members.map(idOf))];
  const list = existing.find((binding) => binding.kind === 'id');
  if (list) return [{ fix: 'add-vfio-ids', title: 'bind ids', args: { via: list.via, tokens: ids } }];
  return [{ fix: 'add-list-item', title: 'bind ids', args: { option: KERNEL_PARAMS, item: `vfio-pci.ids=${ids.join(',')}` } }];
}

/**
 * Runs the steps one after another, re-reading the configuration after each (so later steps
 * see earlier ones), and returns one minimal edit per changed file.
 */
export function applySteps(model: OptionModel, steps: readonly FixRequest[], rebuild: (texts: ReadonlyMap<string, string>) => OptionModel): FileEdit[] {
  const original = new Map([...model.files].map(([path, file]) => [path, file.text]));
  const texts = new Map(original);
  let current = model;
  for (const step of steps) {
    const edits = fixEdits(current, step);
    if (edits.length === 0) continue;
    for (const file of new Set(edits.map((edit) => edit.file))) {
      texts.set(
        file,
        applyEdits(
          texts.get(file) ?? '',
          edits.filter((edit) => edit.file === file),
        ),
      );
    }
    current = rebuild(texts);
  }
  const result: FileEdit[] = [];
  for (const [file, text] of texts) {
    const before = original.get(file) ?? '';
    if (text !== before) result.push(minimalEdit(file, before, text));
  }
  return result;
}

function minimalEdit(file: string, before: string, after: string): FileEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { file, range: { start, end: before.length - end }, newText: after.slice(start, after.length - end) };
}
