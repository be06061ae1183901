// `intel_iommu=` does nothing on an AMD CPU and `amd_iommu=` nothing on an Intel one: usually a
// block copied from a guide written for the other vendor, leaving the IOMMU setup unclear.
import { cpuVendor } from './facts/cpuVendor';
import { KERNEL_PARAMS, kernelParams, paramName } from './facts/kernelParams';
import { Finding, Rule } from './types';

export const IOMMU_PARAM_WRONG_VENDOR = 'iommu-param-wrong-vendor';

export const iommuParamWrongVendor: Rule = {
  code: IOMMU_PARAM_WRONG_VENDOR,
  severity: 'warning',
  title: 'intel_iommu= on an AMD CPU, or amd_iommu= on an Intel CPU',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const vendor = cpuVendor(view, hardware);
      if (!vendor) continue;
      const wrongName = vendor.vendor === 'intel' ? 'amd_iommu' : 'intel_iommu';
      const params = kernelParams(view, { effective: false });
      const hasIntelOn = params.some(({ text }) => text === 'intel_iommu=on');
      for (const { text, item, definition } of params) {
        if (text === undefined || paramName(text) !== wrongName) continue;
        if (!view.owns(definition)) continue;
        const replaceWithIntel = vendor.vendor === 'intel' && !hasIntelOn;
        findings.push({
          code: IOMMU_PARAM_WRONG_VENDOR,
          severity: 'warning',
          message:
            vendor.vendor === 'intel'
              ? `"${text}" is for AMD CPUs, but ${vendor.source}; Intel's IOMMU is turned on with "intel_iommu=on".`
              : `"${text}" is for Intel CPUs, but ${vendor.source}; the kernel ignores it. AMD's IOMMU is on by default when it is enabled in the firmware.`,
          file: definition.file,
          range: item.range,
          fix: replaceWithIntel
            ? {
                fix: 'replace-list-item',
                title: `Replace "${text}" with "intel_iommu=on"`,
                args: { option: KERNEL_PARAMS, item: text, replacement: 'intel_iommu=on' },
              }
            : { fix: 'remove-list-item', title: `Remove "${text}"`, args: { option: KERNEL_PARAMS, item: text } },
        });
      }
    }
    return findings;
  },
};
