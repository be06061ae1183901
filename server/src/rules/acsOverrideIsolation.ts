// What pcie_acs_override costs: it makes the kernel believe devices are isolated that the
// hardware does not isolate, so devices split into "separate" groups can still reach each other's
// memory without the IOMMU in between (the patched kernel warns about exactly this at boot).
import { kernelParams } from '../vfio/kernelParams';
import { Rule, ViewFinding } from './types';

export const ACS_OVERRIDE_ISOLATION = 'acs-override-isolation';

export const acsOverrideIsolation: Rule = {
  code: ACS_OVERRIDE_ISOLATION,
  severity: 'info',
  needsHardware: false,
  title: 'What the ACS override gives up',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
      if (!text?.startsWith('pcie_acs_override=')) continue;
      findings.push({
        owner: definition,
        code: ACS_OVERRIDE_ISOLATION,
        severity: 'info',
        message:
          `${text} splits IOMMU groups by pretending the hardware isolates devices it does not ("PCIe ACS overrides enabled; This may allow non-IOMMU protected peer-to-peer DMA"). ` +
          `A passed-through device may then reach the memory of host devices it shared a group with${text.includes('multifunction') ? ', and multifunction splits even the functions of one device' : ''}. A CPU-attached slot with its own group avoids this.`,
        file: definition.file,
        range: item.range,
      });
    }
    return findings;
  },
};
