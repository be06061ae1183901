// `intel_iommu=` does nothing on an AMD CPU and `amd_iommu=` nothing on an Intel one: usually a
// block copied from a guide written for the other vendor, leaving the IOMMU setup unclear. When
// only the configuration's KVM module names the vendor, either of the two may be the copied one,
// so no fix is offered: removing intel_iommu=on on an Intel machine would turn its IOMMU off.
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS, kernelParams, paramName } from '../vfio/kernelParams';
import { Rule, ViewFinding } from './types';

export const IOMMU_PARAM_WRONG_VENDOR = 'iommu-param-wrong-vendor';

export const iommuParamWrongVendor: Rule = {
  code: IOMMU_PARAM_WRONG_VENDOR,
  severity: 'warning',
  needsHardware: false,
  title: 'intel_iommu= on an AMD CPU, or amd_iommu= on an Intel CPU',
  checkView({ view, hardware }) {
    const findings: ViewFinding[] = [];
    // Each parameter is judged alone: only those the view owns; the rest is read only for them.
    const candidates = kernelParams(view, { effective: false, owned: true }).filter(({ text }) => {
      const name = text === undefined ? undefined : paramName(text);
      return name === 'amd_iommu' || name === 'intel_iommu';
    });
    if (candidates.length === 0) return findings;
    const vendor = cpuVendor(view, hardware);
    if (!vendor) return findings;
    const wrongName = vendor.vendor === 'intel' ? 'amd_iommu' : 'intel_iommu';
    const hasIntelOn = kernelParams(view, { effective: false }).some(({ text }) => text === 'intel_iommu=on');
    for (const { text, item, definition } of candidates) {
      if (text === undefined || paramName(text) !== wrongName) continue;
      const replaceWithIntel = vendor.vendor === 'intel' && !hasIntelOn;
      const fromHardware = hardware !== undefined && hardware.cpu.vendor === vendor.vendor;
      findings.push({
        owner: definition,
        code: IOMMU_PARAM_WRONG_VENDOR,
        severity: 'warning',
        message: fromHardware
          ? vendor.vendor === 'intel'
            ? `"${text}" is for AMD CPUs, but ${vendor.source}; Intel's IOMMU is turned on with "intel_iommu=on".`
            : `"${text}" is for Intel CPUs, but ${vendor.source}; the kernel ignores it. AMD's IOMMU is on by default when it is enabled in the firmware.`
          : `"${text}" is for ${vendor.vendor === 'intel' ? 'AMD' : 'Intel'} CPUs, but ${vendor.source}, which is for ${vendor.vendor === 'intel' ? 'Intel' : 'AMD'} CPUs: one of the two was written for another machine. ` +
            (vendor.vendor === 'intel'
              ? 'On an Intel CPU use "intel_iommu=on"; on an AMD CPU load kvm-amd instead (amd_iommu needs no value there).'
              : 'On an AMD CPU this parameter is ignored and can go; on an Intel CPU load kvm-intel instead.') +
            ' A hardware snapshot tells which.',
        file: definition.file,
        range: item.range,
        // Without the snapshot the parameter may be the right half: leave the choice to the user.
        fix: !fromHardware
          ? undefined
          : replaceWithIntel
            ? {
                fix: 'replace-list-item',
                title: `Replace "${text}" with "intel_iommu=on"`,
                args: { option: KERNEL_PARAMS, item: text, replacement: 'intel_iommu=on' },
              }
            : { fix: 'remove-list-item', title: `Remove "${text}"`, args: { option: KERNEL_PARAMS, item: text } },
      });
    }
    return findings;
  },
};
