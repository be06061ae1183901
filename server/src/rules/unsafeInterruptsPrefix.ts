// allow_unsafe_interrupts is a parameter of the vfio_iommu_type1 module: on the kernel command
// line it needs the module prefix, or it is passed to init and does nothing.
import { KERNEL_PARAMS, kernelParams } from './facts/kernelParams';
import { Finding, Rule } from './types';

export const UNSAFE_INTERRUPTS_PREFIX = 'unsafe-interrupts-prefix';

export const unsafeInterruptsPrefix: Rule = {
  code: UNSAFE_INTERRUPTS_PREFIX,
  severity: 'warning',
  title: 'allow_unsafe_interrupts without its vfio_iommu_type1. prefix',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false })) {
        if (!text || !/^allow_unsafe_interrupts(=|$)/.test(text) || !view.owns(definition)) continue;
        const replacement = `vfio_iommu_type1.${text}`;
        findings.push({
          code: UNSAFE_INTERRUPTS_PREFIX,
          severity: 'warning',
          message: `"${text}" belongs to the vfio_iommu_type1 module; without the prefix the kernel passes it to init and it does nothing. Write ${replacement} (and only if your platform lacks interrupt remapping: it weakens isolation).`,
          file: definition.file,
          range: item.range,
          fix: { fix: 'replace-list-item', title: `Write ${replacement}`, args: { option: KERNEL_PARAMS, item: text, replacement } },
        });
      }
    }
    return findings;
  },
};
