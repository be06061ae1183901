// `amd_iommu=on` is in many guides but is not a value the kernel knows: the AMD IOMMU is used by
// default whenever the firmware enables it, and recent kernels log "AMD-Vi: Unknown option - 'on'".
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS, kernelParams, paramName, paramValue } from '../vfio/kernelParams';
import { fill } from './messages';
import { Rule, ViewFinding } from './types';

export const AMD_IOMMU_ON = 'amd-iommu-on-invalid';

const MESSAGES = {
  invalid:
    `"{text}" is not a value the kernel knows (it logs "AMD-Vi: Unknown option - 'on'"). ` +
    'The AMD IOMMU is on by default when AMD-Vi/IOMMU is enabled in the firmware; the parameter can go.',
} as const;

export const amdIommuOn: Rule = {
  code: AMD_IOMMU_ON,
  messages: MESSAGES,
  severity: 'info',
  needsHardware: false,
  title: 'amd_iommu=on is not a valid value',
  checkView({ view, hardware }) {
    const findings: ViewFinding[] = [];
    // `amd-iommu=on` too: the kernel reads '-' and '_' in parameter names alike.
    const invalid = kernelParams(view, { effective: false, owned: true }).filter(
      ({ text }) => text !== undefined && paramName(text) === 'amd_iommu' && paramValue(text) === 'on',
    );
    // On an Intel CPU the wrong-vendor rule already reports this parameter (the vendor is read only when needed).
    if (invalid.length === 0 || cpuVendor(view, hardware)?.vendor === 'intel') return findings;
    for (const { text, item, definition } of invalid) {
      if (text === undefined) continue;
      findings.push({
        owner: definition,
        code: AMD_IOMMU_ON,
        severity: 'info',
        message: fill(MESSAGES.invalid, { text }),
        file: definition.file,
        range: item.range,
        fix: { fix: 'remove-list-item', title: `Remove "${text}"`, args: { option: KERNEL_PARAMS, item: text } },
      });
    }
    return findings;
  },
};
