// Binding the GPU the firmware booted on (boot_vga), or every display GPU, to vfio-pci leaves
// the host without a display from early boot on: a black screen unless that is the plan.
import { boundDevices, describeDevice, devicesFor, isDisplay } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { Rule, ViewFinding } from './types';

export const VFIO_BOOT_GPU_BOUND = 'vfio-boot-gpu-bound';

export const vfioBootGpuBound: Rule = {
  code: VFIO_BOOT_GPU_BOUND,
  severity: 'warning',
  needsHardware: true,
  title: 'The boot GPU, or every display GPU, bound to vfio-pci',
  checkView({ view, hardware }) {
    if (!hardware) return [];
    const findings: ViewFinding[] = [];
    const bindings = vfioBindings(view);
    const bound = boundDevices(bindings, hardware);
    const displays = hardware.devices.filter(isDisplay);
    const allDisplaysBound = displays.length > 0 && displays.every((device) => bound.has(device.address));
    for (const binding of bindings) {
      const gpu = [...bound.values()].find(
        (device) => isDisplay(device) && (device.bootVga || allDisplaysBound) && devicesFor(binding, hardware).includes(device),
      );
      if (!gpu) continue;
      findings.push({
        owner: binding.definition,
        code: VFIO_BOOT_GPU_BOUND,
        severity: 'warning',
        message:
          (allDisplaysBound
            ? `This binds every display GPU of the machine (${displays.map(describeDevice).join(', ')}) to vfio-pci: the host will have no display. `
            : `${describeDevice(gpu)} is the boot GPU (the firmware shows its screen on it); bound to vfio-pci, the host loses that display. `) +
          `Fine for single-GPU passthrough with a headless host; otherwise pass the other GPU or make the other one primary in the firmware.`,
        file: binding.file,
        range: binding.range,
      });
    }
    return findings;
  },
};
