// A driver_override binding whose address lacks its `0000:` domain where sysfs needs the full
// device name: `/sys/bus/pci/devices/0f:00.0/driver_override` is no file (the write fails at boot)
// and a udev rule's `KERNEL=="0f:00.0"` matches no device. The binding does nothing.
import { devicesFor } from '../vfio/devices';
import { normaliseAddress, VfioBinding, vfioBindings } from '../vfio/vfioBindings';
import { allOf, Finding, FixRequest, Rule } from './types';

export const VFIO_SHORT_ADDRESS = 'vfio-short-address';

export const vfioShortAddress: Rule = {
  code: VFIO_SHORT_ADDRESS,
  severity: 'error',
  otherSeverities: ['warning'],
  needsHardware: false,
  acrossViews: true,
  title: 'A driver_override address without its 0000: domain names no device',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const bindings = vfioBindings(view);
      for (const binding of bindings) {
        if (binding.noDevice !== 'short-address' || !view.owns(binding.definition)) continue;
        const full = normaliseAddress(binding.token);
        const others = bindings.filter((other) => other !== binding && !other.noDevice);
        // Bound some other way too: the broken one is dead weight, not the reason passthrough fails.
        const elsewhere = hardware
          ? others.some((other) => devicesFor(other, hardware).some((device) => device.address === full))
          : others.some((other) => (other.kind === 'slot' ? normaliseAddress(other.token) === full : true));
        const what =
          binding.via === 'udev-rule'
            ? `KERNEL=="${binding.token}" matches no device: the kernel names PCI devices with their domain (${full})`
            : `/sys/bus/pci/devices/${binding.token} is no file: sysfs names PCI devices with their domain (${full}), so writing its driver_override fails at boot`;
        findings.push({
          code: VFIO_SHORT_ADDRESS,
          severity: elsewhere ? 'warning' : 'error',
          message: elsewhere
            ? `${what}. This binding does nothing (the device is bound another way too). Write ${full}.`
            : `${what}, and the device is not handed to vfio-pci. Write ${full}.`,
          file: binding.file,
          range: binding.range,
          fix: binding.exact ? fullAddressFix(bindings.filter((other) => other.noDevice && other.definition === binding.definition && other.exact)) : undefined,
        });
      }
    }
    return findings;
  },
};

/**
 * Every short address of the same script or rules at once: fixing one of a card's functions
 * alone would leave its IOMMU group half bound.
 */
function fullAddressFix(shortOnes: VfioBinding[]): FixRequest {
  const steps = [...new Map(shortOnes.map((binding) => [binding.token, binding])).values()].map((binding): FixRequest => ({
    fix: 'replace-vfio-token',
    title: `Write ${normaliseAddress(binding.token)}`,
    args: { via: binding.via, token: binding.token, replacement: normaliseAddress(binding.token) },
  }));
  const only = steps[0];
  return steps.length === 1 && only ? only : allOf(`Write ${steps.map((step) => (step.args as { replacement: string }).replacement).join(', ')}`, steps);
}
