// iommu=pt is not needed for VFIO: it only maps the host's own devices one to one (a speed-up,
// and a workaround on some buggy platforms); devices given to a VM are translated either way.
import { kernelParams } from '../vfio/kernelParams';
import { fill } from './messages';
import { Rule, ViewFinding } from './types';

export const IOMMU_PT_INFO = 'iommu-pt-info';

const MESSAGES = {
  optional:
    "{text} is optional for VFIO: it maps only the host's own devices one to one (less IOMMU work for them); devices passed to a VM are translated either way. Keep it if you want that, drop it if a guide just said so.",
} as const;

export const iommuPassthroughInfo: Rule = {
  code: IOMMU_PT_INFO,
  messages: MESSAGES,
  severity: 'info',
  needsHardware: false,
  title: 'iommu=pt is optional for VFIO',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
      if (text !== 'iommu=pt' && text !== 'iommu.passthrough=1') continue;
      findings.push({
        owner: definition,
        code: IOMMU_PT_INFO,
        severity: 'info',
        message: fill(MESSAGES.optional, { text }),
        file: definition.file,
        range: item.range,
      });
    }
    return findings;
  },
};
