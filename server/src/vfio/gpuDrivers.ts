// GPU drivers and where a configuration loads them in the initrd.
import type { ConfigView } from '../model/optionModel';
import { kernelModules } from './kernelModules';

export const GPU_DRIVERS = new Set(['nvidia', 'nouveau', 'amdgpu', 'radeon', 'i915', 'xe']);

/** Options that put amdgpu into the initrd; which name is current is unverified [A1.25], so both. */
export const AMDGPU_INITRD_OPTIONS = ['hardware.amdgpu.initrd.enable', 'hardware.amdgpu.kernelModule.inInitrd'];

/** GPU drivers the initrd loads: listed in boot.initrd.kernelModules, or amdgpu by hardware.amdgpu.initrd.enable. */
export function initrdGpuDrivers(view: ConfigView): string[] {
  const listed = kernelModules(view, ['boot.initrd.kernelModules'])
    .filter((entry) => GPU_DRIVERS.has(entry.name))
    .map((entry) => entry.name);
  const amdgpuOption = AMDGPU_INITRD_OPTIONS.some((option) =>
    view.definitions(option).some((definition) => definition.value.kind === 'bool' && definition.value.value),
  );
  return [...new Set([...listed, ...(amdgpuOption ? ['amdgpu'] : [])])];
}
