// vfio_virqfd was folded into vfio in Linux 6.2. Listed for the initrd, the build fails
// ("modprobe: FATAL: Module vfio_virqfd not found"); in boot.kernelModules it only logs
// "Failed to find module 'vfio_virqfd'" at boot.
import { atLeast, kernelVersion } from '../vfio/kernelVersion';
import { kernelModules } from '../vfio/kernelModules';
import { Finding, Rule } from './types';
import { knownText } from '../model/values';

export const VFIO_VIRQFD_REMOVED = 'vfio-virqfd-removed';

export const vfioVirqfdRemoved: Rule = {
  code: VFIO_VIRQFD_REMOVED,
  severity: 'warning',
  otherSeverities: ['error'],
  needsHardware: false,
  acrossViews: true,
  title: 'vfio_virqfd listed, but it is part of vfio since Linux 6.2',
  check({ views, hardware, settings }) {
    const findings: Finding[] = [];
    const baseNewKernel = atLeast(kernelVersion(views[0]!, hardware, settings.nixosRelease), 6, 2);
    for (const view of views) {
      const kernel = kernelVersion(view, hardware, settings.nixosRelease);
      const newKernel = atLeast(kernel, 6, 2);
      if (newKernel === false) continue;
      // A specialisation with its own, newer kernel breaks on the base's vfio_virqfd too.
      const ownKernel =
        view.specialisation !== undefined && view.definitions('boot.kernelPackages').some((definition) => view.owns(definition)) && baseNewKernel === false;
      for (const entry of kernelModules(view)) {
        if (entry.name !== 'vfio_virqfd' || !(view.owns(entry.definition) || ownKernel)) continue;
        const initrd = entry.option !== 'boot.kernelModules';
        const item =
          entry.definition.value.kind === 'list' ? entry.definition.value.items.find((candidate) => candidate.range.start === entry.range.start) : undefined;
        const written = item ? knownText(item.value) : undefined;
        findings.push({
          code: VFIO_VIRQFD_REMOVED,
          severity: initrd && newKernel ? 'error' : 'warning',
          message:
            `vfio_virqfd is part of vfio since Linux 6.2 (${view.owns(entry.definition) ? '' : `specialisation ${view.specialisation}: `}${kernel.source}). ` +
            (newKernel ? 'In' : 'If the kernel is 6.2 or newer, in') +
            (initrd
              ? ` ${entry.option} the build fails: "modprobe: FATAL: Module vfio_virqfd not found".`
              : ' boot.kernelModules it only logs "Failed to find module \'vfio_virqfd\'" at boot.') +
            ' Remove it; vfio, vfio_pci and vfio_iommu_type1 are all that is needed.',
          file: entry.definition.file,
          range: entry.range,
          fix: written ? { fix: 'remove-list-item', title: `Remove ${written}`, args: { option: entry.option, item: written } } : undefined,
        });
      }
    }
    return findings;
  },
};
