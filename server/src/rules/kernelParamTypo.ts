// Near-misses of the VFIO kernel parameters: the kernel passes an unknown parameter on to init
// ("Unknown kernel command line parameters … will be passed to user space") and the setting it
// was meant to make silently does not happen. `-` and `_` are interchangeable in names, so
// `intel-iommu=on` and `vfio_pci.ids=` are not typos.
import { HOLE } from '../model/values';
import { canonicalParamName, KERNEL_PARAMS, kernelParams, VFIO_PCI_PARAMETERS } from '../vfio/kernelParams';
import { editDistance } from '../vfio/editDistance';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_TYPO = 'kernel-param-typo';

/** Spelt as guides write them; compared in canonical form. */
const KNOWN = [
  'intel_iommu',
  'amd_iommu',
  'iommu',
  'iommu.passthrough',
  'iommu.strict',
  'vfio-pci.ids',
  'vfio-pci.disable_vga',
  'vfio-pci.disable_idle_d3',
  'pcie_acs_override',
  'video',
  'kvm.ignore_msrs',
  'kvm.report_ignored_msrs',
  'vfio_iommu_type1.allow_unsafe_interrupts',
  'initcall_blacklist',
  'modprobe.blacklist',
  'rd.driver.pre',
  'isolcpus',
  'nohz_full',
  'rcu_nocbs',
  'hugepages',
  'default_hugepagesz',
  'hugepagesz',
];
const KNOWN_CANONICAL = new Map(KNOWN.map((known) => [canonicalParamName(known), known]));

const INTEL_IOMMU_OPTIONS = 'on|off|igfx_off|sm_on|sm_off|tboot_noforce|pt|strict|nobounce';
/** Values each parameter takes (comma-separated options), from kernel-parameters.txt [A2.1]. */
const VALUES: Record<string, RegExp> = {
  intel_iommu: new RegExp(`^(${INTEL_IOMMU_OPTIONS})(,(${INTEL_IOMMU_OPTIONS}))*$`),
  // `on` is left to amd-iommu-on-invalid.
  amd_iommu:
    /^(on|off|fullflush|force_isolation|force_enable|pgtbl_v1|pgtbl_v2|irtcachedis|nohugepages|v2_pgsizes_only)(,(on|off|fullflush|force_isolation|force_enable|pgtbl_v1|pgtbl_v2|irtcachedis|nohugepages|v2_pgsizes_only))*$/,
  iommu:
    /^(off|force|noforce|biomerge|panic|nopanic|merge|nomerge|soft|pt|nopt|calgary|forcesac|allowdac|nodac|usedac|memaper=?\d*|fullflush|nofullflush|noagp|noaperture)(,.*)?$/,
};
const TRUTHY = new Set(['1', 'true', 'yes', 'enable', 'enabled']);

export const kernelParamTypo: Rule = {
  code: KERNEL_PARAM_TYPO,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A misspelt VFIO kernel parameter, or a value the parameter does not take',
  check({ views }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
        // Whitespace anywhere is kernel-param-unquoted-space's finding: one report, not a second about the value.
        if (text === undefined || text.includes(HOLE) || /\s/.test(text) || !view.owns(definition)) continue;
        const key = `${definition.file}:${item.range.start}`;
        if (seen.has(key)) continue;
        const [name, value] = text.includes('=') ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)] : [text, undefined];
        const canonical = canonicalParamName(name);
        let replacement: string | undefined;
        let removal = false;
        let message: string | undefined;
        const vfioPciKey = /^vfio_pci\.(.+)$/.exec(canonical)?.[1];
        if (vfioPciKey !== undefined) {
          // Every vfio-pci parameter is known, so any other key is a mistake, near-miss or not.
          if (VFIO_PCI_PARAMETERS.includes(vfioPciKey)) continue;
          const nearest = VFIO_PCI_PARAMETERS.map((known) => ({ known, cost: editDistance(vfioPciKey.toLowerCase(), known) })).sort(
            (a, b) => a.cost - b.cost,
          )[0]!;
          const fixed = nearest.cost <= 2 ? `${name.slice(0, name.indexOf('.'))}.${nearest.known}` : undefined;
          replacement = fixed && (value === undefined ? fixed : `${fixed}=${value}`);
          message =
            `vfio-pci has no parameter "${name.slice(name.indexOf('.') + 1)}": when vfio-pci loads it logs "unknown parameter" and ignores it, so nothing is set. ` +
            `Its parameters: ${VFIO_PCI_PARAMETERS.join(', ')}.` +
            (fixed ? ` Did you mean ${fixed}?` : '');
        } else if (!KNOWN_CANONICAL.has(canonical)) {
          const lower = canonical.toLowerCase();
          const near = KNOWN.map((known) => ({ known, cost: editDistance(lower, canonicalParamName(known)) })).sort((a, b) => a.cost - b.cost)[0]!;
          const caseOnly = KNOWN_CANONICAL.has(lower);
          if (caseOnly || (near.cost <= 2 && near.cost < name.length / 3)) {
            const fixed = caseOnly ? name.toLowerCase() : near.known;
            replacement = value === undefined ? fixed : `${fixed}=${value}`;
            const dot = name.indexOf('.');
            // A dotted name is a module parameter: the kernel leaves it to that module (or drops it).
            message =
              (dot > 0
                ? `"${name}" reads as parameter "${name.slice(dot + 1)}" of a module "${name.slice(0, dot)}"; no module has that parameter, so nothing is set.`
                : `"${name}" is not a kernel parameter${caseOnly ? ' (names are case-sensitive)' : ''}: the kernel does not know it, passes it on to init, and nothing is set.`) +
              ` Did you mean ${fixed}?`;
            if (canonicalParamName(fixed) === 'amd_iommu' && value === 'on') {
              // Correcting the name would give amd_iommu=on, which is not a value either.
              message += ' Even spelt right, amd_iommu takes no "on": the AMD IOMMU is used by default whenever the firmware enables it, so the line can go.';
              removal = true;
            }
          }
        } else if (canonical === 'intel_iommu' && value !== undefined && TRUTHY.has(value.toLowerCase())) {
          replacement = `${name}=on`;
          message = `intel_iommu takes "on" (or off, igfx_off, sm_on…), not "${value}": the kernel logs "Unknown option - '${value}'" and the IOMMU stays at the kernel's default, which may be off.`;
        } else if (canonical === 'iommu' && value !== undefined && (value === 'on' || TRUTHY.has(value.toLowerCase()))) {
          message =
            `iommu=${value} does not turn the IOMMU on: "${value}" is not a value iommu takes (pt, off, force, strict…), so the kernel ignores it. ` +
            'On Intel the IOMMU is turned on with intel_iommu=on; on AMD it is on by default.';
        } else if (VALUES[canonical] && value !== undefined && !VALUES[canonical].test(value)) {
          message =
            `${name}=${value}: "${value}" is not a value ${name} takes, so the kernel ignores it.` +
            (canonical === 'amd_iommu' && value.split(',').includes('pt') ? ' Identity mapping for host devices is iommu=pt.' : '');
        }
        if (!message) continue;
        seen.add(key);
        findings.push({
          code: KERNEL_PARAM_TYPO,
          severity: 'warning',
          message,
          file: definition.file,
          range: item.range,
          fix: removal
            ? { fix: 'remove-list-item', title: `Remove ${text}`, args: { option: KERNEL_PARAMS, item: text } }
            : replacement
              ? { fix: 'replace-list-item', title: `Write ${replacement}`, args: { option: KERNEL_PARAMS, item: text, replacement } }
              : undefined,
        });
      }
    }
    return findings;
  },
};
