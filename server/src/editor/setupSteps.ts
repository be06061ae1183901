// The walkthrough's "do it" buttons for the guide steps that are not about one device: turn on
// the IOMMU (the kernel flag, for the CPU vendor) and set up libvirt with virt-manager. Each is a
// list of fix requests, applied like "pass through this device" (applySteps); a second run adds
// nothing because each fix returns no edits when its work is done.
import { HardwareSnapshot } from '../hardware/snapshot';
import { configViews, OptionModel } from '../model/optionModel';
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS } from '../vfio/kernelParams';
import { FixRequest } from '../rules/types';
import { knownText, Value } from '../model/values';
import { PassthroughPlan } from './passthrough';

export const SETUP_STEPS = ['iommu', 'libvirt'] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

export function isSetupStep(value: unknown): value is SetupStep {
  return typeof value === 'string' && (SETUP_STEPS as readonly string[]).includes(value);
}

export function planSetupStep(model: OptionModel, hardware: HardwareSnapshot | undefined, step: SetupStep): PassthroughPlan | { error: string } {
  return step === 'iommu' ? planIommu(model, hardware) : planLibvirt(model);
}

function planIommu(model: OptionModel, hardware: HardwareSnapshot | undefined): PassthroughPlan | { error: string } {
  const vendor = cpuVendor(configViews(model)[0]!, hardware);
  const firmware = 'Also turn on VT-d (Intel) or AMD-Vi / IOMMU and SVM (AMD) in the firmware settings.';
  if (!vendor)
    return {
      error: `Cannot tell whether the CPU is Intel or AMD (no hardware snapshot says so). Intel CPUs need "intel_iommu=on" in ${KERNEL_PARAMS}; AMD CPUs need no parameter.`,
    };
  if (vendor.vendor === 'amd')
    return { steps: [], notes: [`AMD CPUs need no kernel parameter: the IOMMU is on when AMD-Vi is enabled in the firmware (${vendor.source}).`] };
  const steps: FixRequest[] = [{ fix: 'add-list-item', title: 'intel_iommu=on', args: { option: KERNEL_PARAMS, item: 'intel_iommu=on' } }];
  return { steps, notes: [firmware] };
}

function planLibvirt(model: OptionModel): PassthroughPlan {
  const steps: FixRequest[] = [
    { fix: 'add-binding', title: 'libvirtd', args: { option: 'virtualisation.libvirtd.enable', value: 'true' } },
    { fix: 'add-binding', title: 'virt-manager', args: { option: 'programs.virt-manager.enable', value: 'true' } },
  ];
  const firmware = 'OVMF comes with QEMU since NixOS 25.11; create the VM with the Q35 chipset and UEFI firmware.';
  const users = usersInGroup(model, 'libvirtd');
  return {
    steps,
    notes: [users.length > 0 ? firmware : `Add your user to the "libvirtd" group (users.users.<you>.extraGroups). ${firmware}`],
  };
}

/** Users whose `extraGroups` (or `users.groups.<group>.members`) the configuration readably gives `group`. */
export function usersInGroup(model: OptionModel, group: string): string[] {
  const users = new Set<string>();
  const view = configViews(model)[0]!;
  const hasItem = (value: Value) => value.kind === 'list' && value.items.some((item) => knownText(item.value) === group);
  for (const definition of view.definitionsUnder('users.users')) {
    if (definition.path.length === 4 && definition.path[3] === 'extraGroups' && hasItem(definition.value)) users.add(definition.path[2]!);
  }
  for (const definition of view.definitions(`users.groups.${group}.members`)) {
    if (definition.value.kind === 'list') for (const item of definition.value.items) if (knownText(item.value)) users.add(knownText(item.value)!);
  }
  return [...users];
}
