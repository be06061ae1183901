// One device handed to vfio-pci both by id and by a driver_override address: two mechanisms to
// keep in step, and editing one leaves the device bound by the other.
import { describeDevice, devicesFor } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { Rule, ViewFinding } from './types';

export const VFIO_BOUND_TWO_WAYS = 'vfio-bound-two-ways';

export const vfioBoundTwoWays: Rule = {
  code: VFIO_BOUND_TWO_WAYS,
  severity: 'info',
  needsHardware: true,
  title: 'A device bound by id and by driver_override at once',
  checkView({ view, hardware }) {
    if (!hardware) return [];
    const findings: ViewFinding[] = [];
    const seen = new Set<string>();
    const bindings = vfioBindings(view);
    const slots = bindings.filter((binding) => binding.kind === 'slot');
    if (slots.length === 0) return findings;
    for (const binding of bindings) {
      if (binding.kind !== 'id') continue;
      for (const device of devicesFor(binding, hardware)) {
        const slot = slots.find((candidate) => devicesFor(candidate, hardware).some((other) => other.address === device.address));
        const key = `${binding.file}:${binding.range.start}:${device.address}`;
        if (!slot || seen.has(key)) continue;
        seen.add(key);
        findings.push({
          owner: binding.definition,
          code: VFIO_BOUND_TWO_WAYS,
          severity: 'info',
          message:
            `${describeDevice(device)} is handed to vfio-pci twice: by id ${binding.token} here and by its address in ${slot.definition.path.join('.')}. ` +
            'Either is enough; keeping both means two places to change (removing one leaves the device on vfio-pci). Keep the addresses when another card has the same id, else the id.',
          file: binding.file,
          range: binding.range,
        });
      }
    }
    return findings;
  },
};
