// Kernel parameters copied from guides that cost something the guide does not say.
import { kernelParams } from '../vfio/kernelParams';
import { Rule, ViewFinding } from './types';

export const KERNEL_PARAM_COST = 'kernel-param-cost';

/** What each parameter costs (kernel-parameters.txt). */
function cost(text: string): string | undefined {
  const [name = '', value = ''] = text.split(/=(.*)/s, 2);
  const canonical = name.replace(/-/g, '_');
  if (canonical === 'pci' && value.split(',').includes('nomsi'))
    return 'pci=nomsi turns off MSI interrupts for every PCI device: all of them fall back to shared legacy interrupts, which is slower and breaks devices that need MSI (NVMe, many GPUs). It is not needed for passthrough; remove it unless one broken device requires it.';
  if (canonical === 'intel_iommu' && value.split(',').includes('igfx_off'))
    return 'intel_iommu=igfx_off leaves the integrated GPU outside the IOMMU: it cannot be passed to a VM or split with GVT-g, and its DMA is not isolated. It works around old iGPU driver bugs; on current kernels it is rarely needed.';
  return undefined;
}

export const kernelParamCost: Rule = {
  code: KERNEL_PARAM_COST,
  severity: 'info',
  needsHardware: false,
  title: 'A kernel parameter with a cost the guide does not mention',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
      if (!text) continue;
      const why = cost(text);
      if (!why) continue;
      findings.push({ owner: definition, code: KERNEL_PARAM_COST, severity: 'info', message: why, file: definition.file, range: item.range });
    }
    return findings;
  },
};
