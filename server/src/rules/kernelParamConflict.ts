// The same kernel parameter twice with different values (`intel_iommu=on` and `intel_iommu=off`,
// often one from a guide and one from an old module): the last one on the command line wins, and
// NixOS does not promise an order between modules.
import { HOLE } from '../model/values';
import { kernelParams } from './facts/kernelParams';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_CONFLICT = 'kernel-param-conflict';

/** Parameters that take one value; others (video=, initcall_blacklist=…) may repeat on purpose. */
const SINGLE = new Set(['intel_iommu', 'amd_iommu', 'iommu', 'iommu.passthrough', 'pcie_acs_override', 'vfio-pci.ids', 'vfio_pci.ids', 'kvm.ignore_msrs']);

export const kernelParamConflict: Rule = {
  code: KERNEL_PARAM_CONFLICT,
  severity: 'warning',
  title: 'One kernel parameter given twice with different values',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const byName = new Map<string, { value: string; param: ReturnType<typeof kernelParams>[number] }[]>();
      for (const param of kernelParams(view)) {
        if (!param.text || param.text.includes(HOLE) || !param.text.includes('=') || param.item.conditions.length > 0 || param.definition.conditions.length > 0) continue;
        const name = param.text.slice(0, param.text.indexOf('=')).replace('vfio_pci.', 'vfio-pci.');
        if (!SINGLE.has(name)) continue;
        const list = byName.get(name) ?? [];
        list.push({ value: param.text.slice(param.text.indexOf('=') + 1), param });
        byName.set(name, list);
      }
      for (const [name, entries] of byName) {
        const values = new Set(entries.map((entry) => entry.value));
        if (values.size < 2) continue;
        for (const { param } of entries.slice(1)) {
          if (!view.owns(param.definition)) continue;
          findings.push({
            code: KERNEL_PARAM_CONFLICT,
            severity: 'warning',
            message: `${name} is given ${entries.length} times with different values (${[...values].join(', ')}). The last one on the command line wins, and NixOS does not promise the order of definitions from different modules: keep one.`,
            file: param.definition.file,
            range: param.item.range,
          });
        }
      }
    }
    return findings;
  },
};
