// vfio_pci loaded in stage 2 (boot.kernelModules) comes after a GPU driver loaded in the initrd:
// the driver has taken the card by then.
import { initrdGpuDrivers } from '../vfio/gpuDrivers';
import { kernelModules } from '../vfio/kernelModules';
import { softdepsBeforeVfio } from '../vfio/modprobeConfig';
import { vfioBindings } from '../vfio/vfioBindings';
import { allOf, Finding, FixRequest, Rule } from './types';

export const VFIO_MODULES_TOO_LATE = 'vfio-modules-too-late';

export const vfioModulesTooLate: Rule = {
  code: VFIO_MODULES_TOO_LATE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'vfio_pci loads in stage 2 while the GPU driver loads in the initrd',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      if (vfioBindings(view).length === 0) continue;
      const stage2 = kernelModules(view, ['boot.kernelModules']).find((entry) => entry.name === 'vfio_pci');
      const initrd = kernelModules(view, ['boot.initrd.kernelModules']).some((entry) => entry.name === 'vfio_pci');
      const drivers = initrdGpuDrivers(view);
      if (!stage2 || initrd || drivers.length === 0 || !view.owns(stage2.definition)) continue;
      const softdeps = softdepsBeforeVfio(view);
      const steps: FixRequest[] = [
        {
          fix: 'add-list-items',
          title: 'initrd modules',
          args: { option: 'boot.initrd.kernelModules', items: ['vfio_pci', 'vfio', 'vfio_iommu_type1'], modules: true },
        },
        ...drivers
          .filter((driver) => !softdeps.has(driver))
          .map((driver): FixRequest => ({ fix: 'add-modprobe-line', title: 'softdep', args: { line: `softdep ${driver} pre: vfio-pci` } })),
      ];
      findings.push({
        code: VFIO_MODULES_TOO_LATE,
        severity: 'warning',
        message:
          `vfio_pci is loaded in stage 2 (boot.kernelModules), but ${drivers.join(', ')} loads in the initrd and takes the card first. ` +
          `Load the vfio modules in the initrd and add "softdep ${drivers[0]} pre: vfio-pci": NixOS sorts module lists by name, so their order does not decide which loads first.`,
        file: stage2.definition.file,
        range: stage2.range,
        fix: allOf('Load vfio in the initrd, before the GPU driver', steps),
      });
    }
    return findings;
  },
};
