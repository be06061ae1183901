// A GPU passed through together with the storage, network or USB controllers of its IOMMU group
// (a laptop's dGPU behind the same root port as the NVMe, say): the host loses them at boot. The
// pass-through command binds such a group only when told to; this keeps saying what it costs.
import { describeDevice, isDisplay, slotOf } from '../vfio/devices';
import { touchedGroups } from '../vfio/groups';
import { Finding, Rule } from './types';

export const VFIO_HOST_DEVICE_BOUND = 'vfio-host-device-bound';

function hostRole(deviceClass: string): string | undefined {
  if (deviceClass.startsWith('01')) return 'storage controller';
  if (deviceClass.startsWith('02')) return 'network controller';
  if (deviceClass.startsWith('0c03')) return 'USB controller';
  return undefined;
}

export const vfioHostDeviceBound: Rule = {
  code: VFIO_HOST_DEVICE_BOUND,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: "A storage, network or USB controller bound to vfio-pci along with a GPU's IOMMU group",
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const group of touchedGroups(view, hardware)) {
        const bound = group.bound.map((entry) => entry.device);
        const gpuSlots = new Set(bound.filter(isDisplay).map((device) => slotOf(device.address)));
        if (gpuSlots.size === 0) continue;
        // A card's own USB function (Turing) is the card's; another card's controller is the host's.
        const taken = bound.filter((device) => hostRole(device.class) && !gpuSlots.has(slotOf(device.address)));
        if (taken.length === 0) continue;
        const first = group.bound
          .filter((entry) => taken.includes(entry.device))
          .flatMap((entry) => entry.bindings)
          .find((binding) => view.owns(binding.definition));
        if (!first) continue;
        findings.push({
          code: VFIO_HOST_DEVICE_BOUND,
          severity: 'warning',
          message:
            `IOMMU group ${group.group} is bound with its GPU, and with it ${taken.map((device) => `${describeDevice(device)} (${hostRole(device.class)})`).join(', ')}: ` +
            `from boot on the host cannot use them (disks, network, keyboard). If that is not meant, bind only a GPU in a group of its own: another slot, firmware ACS settings, ` +
            `or the ACS override patch (which gives up the isolation between these devices).`,
          file: first.file,
          range: first.range,
        });
      }
    }
    return findings;
  },
};
