// Which CPU vendor a configuration is for: from the hardware snapshot, else from the KVM module
// nixos-generate-config wrote into hardware-configuration.nix (kvm-intel for vmx, kvm-amd for svm)
// and the CPU microcode option it sets there.
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
  let configured = configuredVendors.get(view);
  if (configured === undefined) configuredVendors.set(view, (configured = configuredVendor(view) ?? null));
  return configured ?? undefined;
}

/** What a view's configuration says, read once per view (many rules ask). */
const configuredVendors = new WeakMap<ConfigView, VendorFact | null>();

function configuredVendor(view: ConfigView): VendorFact | undefined {
  // What the configuration says: the KVM module and the microcode updates nixos-generate-config
  // writes for the CPU it ran on (`hardware.cpu.intel.updateMicrocode = …`).
  const names = new Set(kernelModules(view).map((entry) => entry.name));
  const said = (vendor: 'intel' | 'amd'): string[] => [
    ...(names.has(`kvm_${vendor}`) ? [`loads kvm-${vendor}`] : []),
    ...(view.definitions(`hardware.cpu.${vendor}.updateMicrocode`).some((definition) => !(definition.value.kind === 'bool' && !definition.value.value))
      ? [`sets hardware.cpu.${vendor}.updateMicrocode`]
      : []),
  ];
  const intel = said('intel');
  const amd = said('amd');
  if (intel.length > 0 === amd.length > 0) return undefined;
  const [vendor, evidence] = intel.length > 0 ? (['intel', intel] as const) : (['amd', amd] as const);
  return { vendor, source: `the configuration ${evidence.join(' and ')}` };
}
