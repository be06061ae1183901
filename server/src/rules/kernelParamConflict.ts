// The same kernel parameter twice with contradicting values (`intel_iommu=on` and
// `intel_iommu=off`, often one from a guide and one from an old module): the kernel applies every
// occurrence in command-line order, so the last one decides, and NixOS does not promise an order
// between definitions from different modules.
import { basename } from 'node:path';
import { HOLE } from '../model/values';
import { canonicalParamName, KernelParam, kernelParams } from '../vfio/kernelParams';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_CONFLICT = 'kernel-param-conflict';

const BOOLEAN: Record<string, string> = { '1': 'on', y: 'on', yes: 'on', on: 'on', true: 'on', '0': 'off', n: 'off', no: 'off', off: 'off', false: 'off' };

/**
 * What one occurrence sets, as aspect → state. Options that add up (`intel_iommu=on` then
 * `intel_iommu=igfx_off`) set different aspects and do not conflict; parameters not listed may
 * repeat on purpose (video=, initcall_blacklist=…).
 */
function aspects(name: string, value: string): Map<string, string> | undefined {
  const options = value.split(',');
  const set = new Map<string, string>();
  switch (name) {
    case 'intel_iommu':
      for (const option of options) if (option === 'on' || option === 'off') set.set('enabled', option);
      return set;
    case 'amd_iommu':
      set.set('enabled', options.includes('off') ? 'off' : 'on');
      return set;
    case 'iommu':
      for (const option of options) {
        if (option === 'pt' || option === 'nopt') set.set('passthrough', option === 'pt' ? 'on' : 'off');
        if (option === 'off' || option === 'force') set.set('enabled', option === 'force' ? 'on' : 'off');
      }
      return set;
    case 'iommu.passthrough':
    case 'kvm.ignore_msrs':
      set.set('value', BOOLEAN[value.toLowerCase()] ?? value);
      return set;
    case 'vfio_pci.ids':
    case 'pcie_acs_override':
      set.set('value', value);
      return set;
    default:
      return undefined;
  }
}

export const kernelParamConflict: Rule = {
  code: KERNEL_PARAM_CONFLICT,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'One kernel parameter given twice with contradicting values',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const byName = new Map<string, { value: string; set: Map<string, string>; param: KernelParam }[]>();
      for (const param of kernelParams(view)) {
        // Conditional items may never apply together.
        if (!param.text || param.text.includes(HOLE) || !param.text.includes('=') || param.item.conditions.length > 0 || param.definition.conditions.length > 0)
          continue;
        const name = canonicalParamName(param.text.slice(0, param.text.indexOf('=')));
        const value = param.text.slice(param.text.indexOf('=') + 1);
        const set = aspects(name, value);
        if (!set) continue;
        const list = byName.get(name) ?? [];
        list.push({ value, set, param });
        byName.set(name, list);
      }
      for (const entries of byName.values()) {
        entries.forEach((entry, index) => {
          const earlier = entries
            .slice(0, index)
            .find((other) => [...entry.set].some(([aspect, state]) => other.set.has(aspect) && other.set.get(aspect) !== state));
          if (!earlier || !view.owns(entry.param.definition)) return;
          const here = entry.param.text!;
          const there = earlier.param.text!;
          findings.push({
            code: KERNEL_PARAM_CONFLICT,
            severity: 'warning',
            message:
              `${here} contradicts ${there}${earlier.param.definition.file === entry.param.definition.file ? '' : ` (in ${basename(earlier.param.definition.file)})`}. ` +
              'The kernel applies both in command-line order, so whichever comes last wins, and NixOS does not promise the order of definitions from different modules: keep one.',
            file: entry.param.definition.file,
            range: entry.param.item.range,
          });
        });
      }
    }
    return findings;
  },
};
