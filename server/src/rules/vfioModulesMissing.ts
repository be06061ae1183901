// Binding ids or slots to vfio-pci does nothing if vfio-pci is never loaded: nothing loads it
// on its own for a GPU, so the GPU driver takes the card.
import { scriptLoads } from '../vfio/bootTimeline';
import { kernelModules } from '../vfio/kernelModules';
import { vfioBindings } from '../vfio/vfioBindings';
import { initrdGpuDrivers } from '../vfio/gpuDrivers';
import { softdepsBeforeVfio } from '../vfio/modprobeConfig';
import { kernelConfigAnswers } from '../vfio/kernelConfig';
import { allOf, Finding, FixRequest, Rule } from './types';

export const VFIO_MODULES_MISSING = 'vfio-modules-missing';

export const vfioModulesMissing: Rule = {
  code: VFIO_MODULES_MISSING,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'Devices bound to vfio-pci, but the vfio modules are never loaded',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const bindings = vfioBindings(view);
      if (bindings.length === 0 || !view.fullyKnown('boot.kernelModules') || !view.fullyKnown('boot.initrd.kernelModules')) continue;
      const loaded = kernelModules(view, ['boot.kernelModules', 'boot.initrd.kernelModules']).some((entry) => entry.name === 'vfio_pci');
      // The guide's script loads it itself (`modprobe -i vfio-pci`).
      const byScript = scriptLoads(view).some((load) => load.module === 'vfio_pci');
      // vfio-pci built into the kernel (`VFIO_PCI y` in boot.kernelPatches) registers at boot by itself.
      const builtIn = kernelConfigAnswers(view).some((answer) => answer.name === 'VFIO_PCI' && answer.value === 'y');
      if (loaded || byScript || builtIn) continue;
      const first = bindings.find((binding) => view.owns(binding.definition));
      if (!first) continue;
      const onlyAvailable = kernelModules(view, ['boot.initrd.availableKernelModules']).some((entry) => entry.name === 'vfio_pci');
      const drivers = initrdGpuDrivers(view);
      const softdeps = softdepsBeforeVfio(view);
      const modules: FixRequest = {
        fix: 'add-list-items',
        title: 'initrd modules',
        args: { option: 'boot.initrd.kernelModules', items: ['vfio_pci', 'vfio', 'vfio_iommu_type1'], modules: true },
      };
      const softdepSteps: FixRequest[] = drivers
        .filter((driver) => !softdeps.has(driver))
        .map((driver) => ({ fix: 'add-modprobe-line', title: 'softdep', args: { line: `softdep ${driver} pre: vfio-pci` } }));
      findings.push({
        code: VFIO_MODULES_MISSING,
        severity: 'warning',
        message:
          'Devices are bound to vfio-pci here, but no module list loads vfio_pci' +
          (onlyAvailable ? ' (boot.initrd.availableKernelModules only puts it into the initrd; udev does not load it for a GPU)' : '') +
          ', and nothing loads it on its own: the GPU driver will take the card. Load vfio_pci, vfio and vfio_iommu_type1 in the initrd (boot.initrd.kernelModules)' +
          (drivers.length > 0
            ? `, and add "softdep ${drivers[0]} pre: vfio-pci": ${drivers.join(' and ')} also ${drivers.length > 1 ? 'load' : 'loads'} in the initrd, and since NixOS 25.05 module lists are loaded sorted by name, so only a softdep makes vfio-pci load first.`
            : '.'),
        file: first.file,
        range: first.range,
        fix:
          softdepSteps.length > 0
            ? allOf('Load the vfio modules in the initrd, before the GPU driver', [modules, ...softdepSteps])
            : { ...modules, title: 'Load the vfio modules in the initrd' },
      });
    }
    return findings;
  },
};
