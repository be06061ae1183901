// The guide's blacklist on a machine whose host GPU needs the blacklisted driver: the host's own
// card (the one not handed to vfio-pci, or the one the firmware boots on) loses its driver.
import { boundDevices, describeDevice, isDisplay } from '../vfio/devices';
import { blacklistedModules } from '../vfio/modprobeConfig';
import { normaliseModuleName } from '../vfio/kernelModules';
import { vfioBindings } from '../vfio/vfioBindings';
import { Finding, Rule } from './types';

export const HOST_GPU_DRIVER_BLACKLISTED = 'host-gpu-driver-blacklisted';

export const hostGpuDriverBlacklisted: Rule = {
  code: HOST_GPU_DRIVER_BLACKLISTED,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: "The driver of the host's own GPU is blacklisted",
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      const bindings = vfioBindings(view);
      if (bindings.length === 0) continue;
      const bound = boundDevices(bindings, hardware);
      const hostGpus = hardware.devices.filter((device) => isDisplay(device) && !bound.has(device.address) && device.driver && device.driver !== 'vfio-pci');
      if (hostGpus.length === 0) continue;
      const blacklist = blacklistedModules(view);
      for (const device of hostGpus) {
        const entry = blacklist.get(normaliseModuleName(device.driver!));
        if (!entry) continue;
        const definition =
          view.definitions('boot.blacklistedKernelModules').find((candidate) => view.owns(candidate)) ??
          view.definitions('boot.extraModprobeConfig').find((candidate) => view.owns(candidate));
        if (!definition) continue;
        findings.push({
          code: HOST_GPU_DRIVER_BLACKLISTED,
          severity: 'warning',
          message:
            `${device.driver} is blacklisted (${entry.where}), but the host keeps ${describeDevice(device)}${device.bootVga ? ', the GPU the firmware boots on,' : ''} and it uses ${device.driver}: the host loses its display driver. ` +
            `The blacklist from the guide is for a machine whose host GPU is another make. Keep ${device.driver} and keep it off the passed card by binding that card early (initrd vfio modules and "softdep ${device.driver} pre: vfio-pci").`,
          file: definition.file,
          range: definition.bindingRange,
        });
      }
    }
    return findings;
  },
};
