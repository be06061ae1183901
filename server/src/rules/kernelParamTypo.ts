// Near-misses of the VFIO kernel parameters: the kernel passes an unknown parameter on to init
// ("Unknown kernel command line parameters … will be passed to user space") and the setting it
// was meant to make silently does not happen.
import { HOLE } from '../model/values';
import { KERNEL_PARAMS, kernelParams } from './facts/kernelParams';
import { editDistance } from './facts/editDistance';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_TYPO = 'kernel-param-typo';

const KNOWN = ['intel_iommu', 'amd_iommu', 'iommu', 'iommu.passthrough', 'iommu.strict', 'vfio-pci.ids', 'vfio_pci.ids', 'pcie_acs_override', 'video', 'kvm.ignore_msrs', 'kvm.report_ignored_msrs', 'vfio_iommu_type1.allow_unsafe_interrupts', 'initcall_blacklist', 'modprobe.blacklist', 'rd.driver.pre', 'isolcpus', 'nohz_full', 'rcu_nocbs', 'hugepages', 'default_hugepagesz', 'hugepagesz'];
const VALUES: Record<string, RegExp> = {
  intel_iommu: /^(on|off|igfx_off|sm_on|sm_off|tboot_noforce|pt|strict|nobounce)(,(on|off|igfx_off|sm_on|sm_off|tboot_noforce|pt|strict|nobounce))*$/,
  iommu: /^(off|force|noforce|biomerge|panic|nopanic|merge|nomerge|soft|pt|nopt|calgary|forcesac|allowdac|nodac|usedac|memaper=?\d*|fullflush|nofullflush|noagp|noaperture)(,.*)?$/,
};


export const kernelParamTypo: Rule = {
  code: KERNEL_PARAM_TYPO,
  severity: 'warning',
  title: 'A misspelt VFIO kernel parameter, or a value the parameter does not take',
  check({ views }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false })) {
        if (text === undefined || text.includes(HOLE) || /\s/.test(text.trim()) || !view.owns(definition)) continue;
        const key = `${definition.file}:${item.range.start}`;
        if (seen.has(key)) continue;
        const [name, value] = text.includes('=') ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)] : [text, undefined];
        let replacement: string | undefined;
        let message: string | undefined;
        if (!KNOWN.includes(name)) {
          const near = KNOWN.map((known) => ({ known, cost: editDistance(name.toLowerCase(), known) })).sort((a, b) => a.cost - b.cost)[0];
          const lowerMatch = KNOWN.includes(name.toLowerCase());
          if (lowerMatch || (near.cost <= 2 && near.cost < name.length / 3)) {
            const fixed = lowerMatch ? name.toLowerCase() : near.known;
            replacement = value === undefined ? fixed : `${fixed}=${value}`;
            message = `"${name}" is not a kernel parameter (names are case-sensitive); the kernel passes it on to init and it does nothing. Did you mean ${fixed}?`;
          }
        } else if (name === 'intel_iommu' && value !== undefined && (value === '1' || value === 'true' || value === 'yes')) {
          replacement = 'intel_iommu=on';
          message = `intel_iommu takes "on" (or off, igfx_off, sm_on…), not "${value}": the kernel logs "Unknown option" and the IOMMU stays as the kernel's default.`;
        } else if (VALUES[name] && value !== undefined && !VALUES[name].test(value)) {
          message = `${name}=${value}: "${value}" is not a value ${name} takes; the kernel ignores it.`;
        }
        if (!message) continue;
        seen.add(key);
        findings.push({
          code: KERNEL_PARAM_TYPO,
          severity: 'warning',
          message,
          file: definition.file,
          range: item.range,
          fix: replacement ? { fix: 'replace-list-item', title: `Write ${replacement}`, args: { option: KERNEL_PARAMS, item: text, replacement } } : undefined,
        });
      }
    }
    return findings;
  },
};
