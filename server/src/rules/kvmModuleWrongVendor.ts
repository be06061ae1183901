// kvm-intel needs VT-x (vmx), kvm-amd needs AMD-V (svm): the other one only fails to load at
// boot, and usually means hardware-configuration.nix came from another machine.
import { knownText } from '../model/values';
import { kernelModules } from '../vfio/kernelModules';
import { fill } from './messages';
import { Rule, ViewFinding } from './types';

export const KVM_MODULE_WRONG_VENDOR = 'kvm-module-wrong-vendor';

const MESSAGES = {
  wrongVendor: '{module} is for {moduleVendor} CPUs, but the hardware snapshot shows an {cpuVendor} CPU: it fails to load and KVM stays off. Use {right}.',
} as const;

export const kvmModuleWrongVendor: Rule = {
  messages: MESSAGES,
  code: KVM_MODULE_WRONG_VENDOR,
  severity: 'warning',
  needsHardware: true,
  title: 'kvm-amd on an Intel CPU or kvm-intel on an AMD CPU',
  checkView({ view, hardware }) {
    const vendor = hardware?.cpu.vendor;
    if (vendor !== 'intel' && vendor !== 'amd') return [];
    const wrong = vendor === 'intel' ? 'kvm_amd' : 'kvm_intel';
    const right = vendor === 'intel' ? 'kvm-intel' : 'kvm-amd';
    const findings: ViewFinding[] = [];
    for (const entry of kernelModules(view)) {
      if (entry.name !== wrong) continue;
      const item =
        entry.definition.value.kind === 'list' ? entry.definition.value.items.find((candidate) => candidate.range.start === entry.range.start) : undefined;
      const written = item ? knownText(item.value) : undefined;
      findings.push({
        owner: entry.definition,
        code: KVM_MODULE_WRONG_VENDOR,
        severity: 'warning',
        message: fill(MESSAGES.wrongVendor, {
          module: written ?? entry.name,
          moduleVendor: vendor === 'intel' ? 'AMD' : 'Intel',
          cpuVendor: vendor === 'intel' ? 'Intel' : 'AMD',
          right,
        }),
        file: entry.definition.file,
        range: entry.range,
        fix: written
          ? { fix: 'replace-list-item', title: `Replace with ${right}`, args: { option: entry.option, item: written, replacement: right } }
          : undefined,
      });
    }
    return findings;
  },
};
