// boot.postBootCommands runs in stage 2, just before systemd starts. A GPU driver loaded in the
// initrd has already taken the card by then, and driver_override does not unbind a driver:
// the card never reaches vfio-pci.
import { initrdGpuDrivers } from '../vfio/gpuDrivers';
import { vfioBindings } from '../vfio/vfioBindings';
import { maySystemdInitrd } from '../vfio/udevRules';
import { Finding, Rule } from './types';

export const VFIO_OVERRIDE_TOO_LATE = 'vfio-override-too-late';

export const vfioOverrideTooLate: Rule = {
  code: VFIO_OVERRIDE_TOO_LATE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'driver_override set in boot.postBootCommands while the GPU driver loads in the initrd',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const drivers = initrdGpuDrivers(view);
      if (drivers.length === 0) continue;
      const late = vfioBindings(view).filter((binding) => binding.via === 'driver-override' && binding.definition.path.join('.') === 'boot.postBootCommands');
      const definitions = [...new Set(late.map((binding) => binding.definition))];
      for (const definition of definitions) {
        if (!view.owns(definition)) continue;
        findings.push({
          code: VFIO_OVERRIDE_TOO_LATE,
          severity: 'warning',
          message:
            `driver_override is written in boot.postBootCommands (stage 2), but ${drivers.join(', ')} loads in the initrd and takes the card first; ` +
            `driver_override does not unbind a driver. Write it ${maySystemdInitrd(view) ? 'with a udev rule in boot.initrd.services.udev.rules (the systemd initrd has no preDeviceCommands)' : 'in boot.initrd.preDeviceCommands (scripted initrd)'}, before the GPU driver loads.`,
          file: definition.file,
          range: definition.value.range,
        });
      }
    }
    return findings;
  },
};
