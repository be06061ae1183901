// Binding ids or slots to vfio-pci does nothing if vfio-pci is never loaded: nothing loads it
// on its own for a GPU, so the GPU driver takes the card.
import { modelCommands } from './facts/commands';
import { kernelModules } from './facts/kernelModules';
import { vfioBindings } from './facts/vfioBindings';
import { Finding, Rule } from './types';

export const VFIO_MODULES_MISSING = 'vfio-modules-missing';

export const vfioModulesMissing: Rule = {
  code: VFIO_MODULES_MISSING,
  severity: 'warning',
  title: 'Devices bound to vfio-pci, but the vfio modules are never loaded',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const bindings = vfioBindings(view);
      if (bindings.length === 0 || !view.fullyKnown('boot.kernelModules') || !view.fullyKnown('boot.initrd.kernelModules')) continue;
      const loaded = kernelModules(view, ['boot.kernelModules', 'boot.initrd.kernelModules']).some((entry) => entry.name === 'vfio_pci');
      // The guide's script loads it itself (`modprobe -i vfio-pci`).
      const byScript = modelCommands(view).some((text) => /modprobe\b[^\n]*\bvfio[-_]pci\b/.test(text));
      if (loaded || byScript) continue;
      const first = bindings.find((binding) => view.owns(binding.definition));
      if (!first) continue;
      findings.push({
        code: VFIO_MODULES_MISSING,
        severity: 'warning',
        message:
          'Devices are bound to vfio-pci here, but no module list loads vfio_pci, and nothing loads it on its own for a GPU: the GPU driver will take the card. ' +
          'Load vfio_pci, vfio and vfio_iommu_type1 in the initrd (boot.initrd.kernelModules), before the GPU driver.',
        file: first.definition.file,
        range: first.range,
        fix: { fix: 'add-list-items', title: 'Load the vfio modules in the initrd', args: { option: 'boot.initrd.kernelModules', items: 'vfio_pci,vfio,vfio_iommu_type1', modules: 'yes' } },
      });
    }
    return findings;
  },
};
