// Module parameters on the kernel command line without their module's prefix (`ids=…`,
// `ignore_msrs=1`) or with another module's (`vfio.ids=…`, `kvm_amd.ignore_msrs=1`). The kernel
// hands a module parameter only to the module named before the dot; a name it does not know
// goes to init ("Unknown kernel command line parameters … will be passed to user space"), so
// the setting silently does not happen. allow_unsafe_interrupts is unsafe-interrupts-prefix's,
// and unknown vfio-pci keys are kernel-param-typo's.
import { HOLE } from '../model/values';
import { cpuVendor } from '../vfio/cpuVendor';
import { canonicalParamName, KERNEL_PARAMS, kernelParams } from '../vfio/kernelParams';
import { Finding, Rule, Severity } from './types';

export const MODULE_PARAM_PREFIX = 'module-param-prefix';

interface ModuleParameter {
  /** The module as guides write it. */
  module: string;
  /** What is lost when nothing sets it. */
  effect: string;
  severity: Severity;
}

/**
 * Parameter names (canonical, `_`) of the VFIO and KVM modules, from their `module_param` lines:
 * drivers/vfio/pci/vfio_pci.c, drivers/vfio/vfio_main.c (container.c since 6.2),
 * drivers/vfio/vfio_iommu_type1.c, arch/x86/kvm/x86.c, arch/x86/kvm/svm/svm.c, arch/x86/kvm/vmx/vmx.c.
 */
const PARAMETERS: Record<string, ModuleParameter> = {
  ids: { module: 'vfio-pci', severity: 'warning', effect: 'vfio-pci gets no ids, so it claims none of these devices and their own drivers take them' },
  disable_vga: { module: 'vfio-pci', severity: 'info', effect: 'vfio-pci keeps taking part in VGA arbitration' },
  disable_idle_d3: { module: 'vfio-pci', severity: 'info', effect: 'idle devices are still put into D3' },
  nointxmask: { module: 'vfio-pci', severity: 'info', effect: 'INTx masking stays on' },
  enable_sriov: { module: 'vfio-pci', severity: 'info', effect: 'SR-IOV stays off for devices vfio-pci takes' },
  disable_denylist: { module: 'vfio-pci', severity: 'info', effect: 'the denylist stays in force' },
  enable_unsafe_noiommu_mode: { module: 'vfio', severity: 'warning', effect: 'no-IOMMU mode stays off' },
  disable_hugepages: { module: 'vfio_iommu_type1', severity: 'info', effect: 'IOMMU hugepages stay in use' },
  dma_entry_limit: { module: 'vfio_iommu_type1', severity: 'info', effect: 'the default DMA mapping limit stays' },
  ignore_msrs: {
    module: 'kvm',
    severity: 'warning',
    effect: "KVM keeps injecting a fault when a guest touches an MSR it does not emulate; some guests' GPU drivers crash on that",
  },
  report_ignored_msrs: { module: 'kvm', severity: 'info', effect: 'ignored MSR accesses are still logged' },
  npt: { module: 'kvm_amd', severity: 'info', effect: 'nested paging stays at its default' },
  avic: { module: 'kvm_amd', severity: 'info', effect: 'AVIC stays at its default' },
  ept: { module: 'kvm_intel', severity: 'info', effect: 'EPT stays at its default' },
  nested: { module: 'kvm_amd or kvm_intel', severity: 'info', effect: 'nested virtualisation stays at its default' },
};
/** Prefixes read as a mistake when the name belongs to another of these modules. */
const KNOWN_MODULES = new Set(['vfio', 'vfio_iommu_type1', 'kvm', 'kvm_amd', 'kvm_intel']);

export const moduleParamPrefix: Rule = {
  code: MODULE_PARAM_PREFIX,
  severity: 'warning',
  otherSeverities: ['info'],
  needsHardware: false,
  acrossViews: true,
  title: 'A VFIO or KVM module parameter without its module prefix, or with another module’s',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      // Read only when a `nested` needs it.
      let vendorRead: { vendor: string | undefined } | undefined;
      const vendorOf = () => (vendorRead ??= { vendor: cpuVendor(view, hardware)?.vendor }).vendor;
      for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
        if (!text || !view.owns(definition)) continue;
        const written = /^(?:([\w-]+)\.)?([\w-]+)(=[^\s]*)?$/.exec(text);
        if (!written) continue;
        const paramWritten = written[2]!;
        const name = canonicalParamName(paramWritten);
        const parameter = PARAMETERS[name];
        if (!parameter) continue;
        const prefix = written[1] === undefined ? undefined : canonicalParamName(written[1]);
        if (prefix !== undefined && !KNOWN_MODULES.has(prefix)) continue;
        // `nested` belongs to the vendor's KVM module.
        const vendor = name === 'nested' ? vendorOf() : undefined;
        const module = name === 'nested' ? (vendor ? `kvm_${vendor}` : undefined) : parameter.module;
        // Both KVM vendor modules have `nested`: either prefix names a real parameter (the vendor is kvm-module-wrong-vendor's).
        if (prefix !== undefined && (name === 'nested' ? /^kvm_(amd|intel)$/.test(prefix) : prefix === canonicalParamName(module!))) continue;
        // Only a plain literal is rewritten: an interpolated item keeps the expression it is built from.
        const literal = item.value.kind === 'string' && item.value.literal;
        const replacement = module && literal && !text.includes(HOLE) ? `${module}.${written[2]}${written[3] ?? ''}` : undefined;
        const shown = text.split(HOLE).join('…');
        findings.push({
          code: MODULE_PARAM_PREFIX,
          severity: parameter.severity,
          message:
            (prefix === undefined
              ? `"${shown}" is a parameter of the ${module ?? parameter.module} module: without the module prefix the kernel does not know it and passes it on to init, so nothing is set`
              : `"${shown}": ${written[2]} is a parameter of ${module ?? parameter.module}, not of ${written[1]}, so nothing is set`) +
            ` (${parameter.effect}). Write ${module ? `${module}.${shown.slice(shown.indexOf(paramWritten))}` : `kvm_amd.${written[2]} or kvm_intel.${written[2]}, for your CPU`}.`,
          file: definition.file,
          range: item.range,
          fix: replacement ? { fix: 'replace-list-item', title: `Write ${replacement}`, args: { option: KERNEL_PARAMS, item: text, replacement } } : undefined,
        });
      }
    }
    return findings;
  },
};
