// Which CPU vendor a configuration is for: from the hardware snapshot, else from the KVM module
// nixos-generate-config wrote into hardware-configuration.nix (kvm-intel for vmx, kvm-amd for svm).
import type { CpuVendor, HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView } from '../model/optionModel';
import { kernelModules } from './kernelModules';

export interface VendorFact {
  vendor: Exclude<CpuVendor, 'unknown'>;
  /** Said in messages, so users see why the checker thinks so. */
  source: string;
}

export function cpuVendor(view: ConfigView, hardware: HardwareSnapshot | undefined): VendorFact | undefined {
  if (hardware && hardware.cpu.vendor !== 'unknown') {
    return { vendor: hardware.cpu.vendor, source: `the hardware snapshot shows an ${hardware.cpu.vendor === 'intel' ? 'Intel' : 'AMD'} CPU` };
  }
  const names = new Set(kernelModules(view).map((entry) => entry.name));
  const intel = names.has('kvm_intel');
  const amd = names.has('kvm_amd');
  if (intel === amd) return undefined;
  return intel
    ? { vendor: 'intel', source: 'the configuration loads kvm-intel' }
    : { vendor: 'amd', source: 'the configuration loads kvm-amd' };
}
