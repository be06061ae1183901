// allow_unsafe_interrupts is a parameter of the vfio_iommu_type1 module: on the kernel command
// line it needs the module prefix, or it is passed to init and does nothing.
import { canonicalParamName, KERNEL_PARAMS, kernelParams } from '../vfio/kernelParams';
import { Finding, Rule } from './types';

export const UNSAFE_INTERRUPTS_PREFIX = 'unsafe-interrupts-prefix';

export const unsafeInterruptsPrefix: Rule = {
  code: UNSAFE_INTERRUPTS_PREFIX,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'allow_unsafe_interrupts without its vfio_iommu_type1. prefix',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
        if (!text || !view.owns(definition)) continue;
        // No prefix, or another module's (`vfio.`, `vfio-pci.`): either way nothing sets it.
        const written = /^(?:([\w-]+)\.)?(allow[-_]unsafe[-_]interrupts)(=.*)?$/.exec(text);
        if (!written || (written[1] !== undefined && canonicalParamName(written[1]) === 'vfio_iommu_type1')) continue;
        const replacement = `vfio_iommu_type1.${written[2]}${written[3] ?? ''}`;
        findings.push({
          code: UNSAFE_INTERRUPTS_PREFIX,
          severity: 'warning',
          message:
            (written[1] === undefined
              ? `"${text}" belongs to the vfio_iommu_type1 module; without the module prefix the kernel passes it to init and nothing is set.`
              : `"${text}": allow_unsafe_interrupts is a parameter of vfio_iommu_type1, not of ${written[1]}, so nothing is set.`) +
            ` Write ${replacement}, and only if your platform lacks interrupt remapping: it gives up the protection against a device in the VM injecting interrupts into the host.`,
          file: definition.file,
          range: item.range,
          fix: { fix: 'replace-list-item', title: `Write ${replacement}`, args: { option: KERNEL_PARAMS, item: text, replacement } },
        });
      }
    }
    return findings;
  },
};
