// Who takes a PCI device first, in the order NixOS boots (sources in docs/rules.md, "Boot
// timeline"). Scripted stage 1 (nixpkgs stage-1-init.sh): `modprobe` of every
// boot.initrd.kernelModules, then boot.initrd.preDeviceCommands, then udev coldplug (modules of
// present devices by modalias: boot.initrd.availableKernelModules), then postDeviceCommands.
// systemd stage 1 has no pre/postDeviceCommands (an assertion fails evaluation). Stage 2:
// boot.postBootCommands just before systemd starts, then systemd-modules-load and udev.
// Driver core: a driver probes the unbound devices it matches when it registers, and a device
// when it appears; writing driver_override probes nothing, and unbinds nothing.
import type { ConfigView, Definition } from '../model/optionModel';
import { textWithHoles } from '../model/values';
import type { TextRange } from '../text';
import { GPU_DRIVERS } from './gpuDrivers';
import { kernelModules } from './kernelModules';
import { COMMAND_OPTIONS, modprobedModules } from './scripts';
import { VfioBinding, vfioBindings } from './vfioBindings';

export type BootStep = 'initrd-modules' | 'initrd-pre-device' | 'initrd-udev' | 'initrd-post-device' | 'post-boot' | 'stage2-modules';

/** In boot order. */
export const BOOT_STEPS: readonly BootStep[] = ['initrd-modules', 'initrd-pre-device', 'initrd-udev', 'initrd-post-device', 'post-boot', 'stage2-modules'];

export const STEP_LABEL: Record<BootStep, string> = {
  'initrd-modules': 'initrd, boot.initrd.kernelModules (modprobe, first)',
  'initrd-pre-device': 'initrd, boot.initrd.preDeviceCommands (before udev)',
  'initrd-udev': 'initrd, udev coldplug (boot.initrd.availableKernelModules by device)',
  'initrd-post-device': 'initrd, boot.initrd.postDeviceCommands (after udev)',
  'post-boot': 'stage 2, boot.postBootCommands (before systemd)',
  'stage2-modules': 'stage 2, boot.kernelModules and udev',
};

const HOOK_STEPS: Record<string, BootStep> = {
  'boot.initrd.preDeviceCommands': 'initrd-pre-device',
  'boot.initrd.postDeviceCommands': 'initrd-post-device',
  'boot.postBootCommands': 'post-boot',
  // udev rules setting driver_override (udevRules.ts): applied in the event, before its RUN loads a driver.
  'boot.initrd.services.udev.rules': 'initrd-udev',
  'services.udev.initrdRules': 'initrd-udev',
  'services.udev.extraRules': 'stage2-modules',
};

/** The PCI vendor each GPU driver drives. */
const DRIVER_VENDOR: Record<string, string> = { amdgpu: '1002', radeon: '1002', nvidia: '10de', nouveau: '10de', i915: '8086', xe: '8086' };

export function driverVendor(driver: string): string | undefined {
  return DRIVER_VENDOR[driver];
}

export interface ModuleLoad {
  module: string;
  step: BootStep;
  /** The list item, when the module is written in a list (a fix may move it). */
  definition?: Definition;
  range?: TextRange;
  /** How it got there, for messages. */
  via: string;
}

/** The initrd is systemd's when boot.initrd.systemd.enable is set true (unconditionally). */
export function systemdInitrd(view: ConfigView): boolean {
  return view
    .definitions('boot.initrd.systemd.enable')
    .some((definition) => definition.value.kind === 'bool' && definition.value.value && definition.conditions.length === 0);
}

/** Where each GPU driver (and vfio_pci) is first loaded. */
const loadsByView = new WeakMap<ConfigView, readonly ModuleLoad[]>();

/** Read once per view: several rules and every fix ask (shared: copy before sorting or adding). */
export function moduleLoads(view: ConfigView): readonly ModuleLoad[] {
  let loads = loadsByView.get(view);
  if (!loads) {
    loads = readModuleLoads(view);
    loadsByView.set(view, loads);
  }
  return loads;
}

function readModuleLoads(view: ConfigView): ModuleLoad[] {
  const loads: ModuleLoad[] = [];
  const wanted = (name: string) => GPU_DRIVERS.has(name) || name === 'vfio_pci';
  for (const entry of kernelModules(view)) {
    if (!wanted(entry.name)) continue;
    const step: BootStep =
      entry.option === 'boot.initrd.kernelModules'
        ? 'initrd-modules'
        : entry.option === 'boot.initrd.availableKernelModules'
          ? 'initrd-udev'
          : 'stage2-modules';
    loads.push({ module: entry.name, step, definition: entry.definition, range: entry.range, via: entry.option });
  }
  for (const option of ['hardware.amdgpu.initrd.enable', 'hardware.amdgpu.kernelModule.inInitrd']) {
    for (const definition of view.definitions(option)) {
      if (definition.value.kind === 'bool' && definition.value.value) loads.push({ module: 'amdgpu', step: 'initrd-modules', via: option });
    }
  }
  return loads.sort((a, b) => BOOT_STEPS.indexOf(a.step) - BOOT_STEPS.indexOf(b.step));
}

export interface OverrideScript {
  binding: VfioBinding;
  step: BootStep;
  /** The script loads vfio-pci itself after writing driver_override (the guide's `modprobe -i vfio-pci`). */
  loadsVfio: boolean;
  /** The script asks the kernel to probe again (drivers_probe or a bind). */
  reprobes: boolean;
}

/** The view's driver_override bindings, with the boot step their script runs in. */
export function overrideScripts(view: ConfigView): OverrideScript[] {
  return (
    vfioBindings(view)
      // A binding that takes no device (a short address, the module's name written) overrides nothing.
      .filter((binding) => (binding.via === 'driver-override' || binding.via === 'udev-rule') && !binding.noDevice)
      .flatMap((binding) => {
        const step = HOOK_STEPS[binding.definition.path.join('.')];
        if (!step) return [];
        const text = scriptText(binding.definition);
        // After the override: a `modprobe` command of the script, or of a udev rule's RUN.
        const at = text.indexOf('driver_override');
        const loads = binding.via === 'udev-rule' ? udevRunModules(text) : modprobedModules(text).filter((load) => load.start > at);
        const loadsVfio = loads.some((load) => load.module === 'vfio_pci');
        return [{ binding, step, loadsVfio, reprobes: /drivers_probe|\/bind\b/.test(text) }];
      })
  );
}

/**
 * The modules the boot scripts load themselves (`modprobe -i vfio-pci` in a stage-1 hook or
 * boot.postBootCommands), each at its script's step. Every script is counted, even one under a
 * condition or inside an `if`: a load that may happen is enough to say less.
 */
export function scriptLoads(view: ConfigView): ModuleLoad[] {
  return COMMAND_OPTIONS.flatMap((option) =>
    view.definitions(option).flatMap((definition) =>
      modprobedModules(textWithHoles(definition.value) ?? '').map((load): ModuleLoad => ({
        module: load.module,
        step: HOOK_STEPS[option]!,
        definition,
        via: option,
      })),
    ),
  );
}

/** Modules the RUN commands of udev rules load (`RUN+="${pkgs.kmod}/bin/modprobe -i vfio-pci"`), run after the rule's ATTR assignments. */
function udevRunModules(rules: string): { module: string; start: number }[] {
  return [...rules.matchAll(/\bRUN(?:\{[^}]*\})?\+?=\s*"([^"]*)"/g)].flatMap((match) => modprobedModules(match[1]!));
}

function scriptText(definition: Definition): string {
  return definition.value.kind === 'string' ? definition.value.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('') : '';
}

/** Whether step `a` comes before step `b`. */
export function stepBefore(a: BootStep, b: BootStep): boolean {
  return BOOT_STEPS.indexOf(a) < BOOT_STEPS.indexOf(b);
}

/**
 * Whether the load really loads the module at its step. vfio_pci in availableKernelModules is
 * only put into the initrd: udev loads modules by a device's modalias, and vfio-pci's aliases are
 * override-only (`vfio_pci:` prefix, not `pci:`), so it never loads it for a device [A1.4].
 */
export function loadsAtStep(load: ModuleLoad): boolean {
  return !(load.module === 'vfio_pci' && load.step === 'initrd-udev');
}

/** GPU drivers (for `vendor`'s cards, when known) loaded before the script writes driver_override: each takes the card first. */
export function driversBefore(view: ConfigView, vendor: string | undefined, script: OverrideScript): ModuleLoad[] {
  return moduleLoads(view).filter(
    (load) => load.module !== 'vfio_pci' && (vendor === undefined || driverVendor(load.module) === vendor) && stepBefore(load.step, script.step),
  );
}

/** vfio_pci loaded (registered) before the script writes driver_override. */
export function vfioLoadedBefore(view: ConfigView, script: OverrideScript): ModuleLoad | undefined {
  return moduleLoads(view).find((load) => load.module === 'vfio_pci' && loadsAtStep(load) && stepBefore(load.step, script.step));
}

export type OverrideOutcome = 'gpu-driver' | 'no-driver' | 'vfio-pci' | 'vfio-not-loaded';

/**
 * What the card ends up with. A driver that registers probes the unbound devices it matches, and
 * `pci_match_device` lets only the named driver match once driver_override is set; writing it
 * neither unbinds nor probes. So: a GPU driver loaded earlier keeps the card; vfio-pci loaded
 * earlier never sees it again unless the script re-probes; vfio-pci loaded later takes it.
 */
export function overrideOutcome(view: ConfigView, vendor: string | undefined, script: OverrideScript): { outcome: OverrideOutcome; text: string } {
  const driver = driversBefore(view, vendor, script)[0];
  if (driver)
    return { outcome: 'gpu-driver', text: `${driver.module} has the card already, and driver_override does not unbind it: card left on ${driver.module}` };
  const vfioEarly = vfioLoadedBefore(view, script);
  if (vfioEarly && !script.reprobes) {
    return { outcome: 'no-driver', text: 'vfio-pci registered before the override and nothing probes the card again: card left with no driver' };
  }
  const vfioLater =
    script.loadsVfio ||
    script.reprobes ||
    moduleLoads(view).some((load) => load.module === 'vfio_pci' && loadsAtStep(load) && stepBefore(script.step, load.step));
  if (vfioLater || vfioEarly) return { outcome: 'vfio-pci', text: 'vfio-pci takes the card' };
  return { outcome: 'vfio-not-loaded', text: 'nothing loads vfio-pci afterwards: card left with no driver' };
}

/** The timeline as one line, ending with what the card ends up with. */
export function timelineText(view: ConfigView, vendor: string | undefined, script: OverrideScript): string {
  return [...timelineFor(view, vendor, script), overrideOutcome(view, vendor, script).text].join(' → ');
}

/** The device's timeline, in boot order: which drivers load when, and where the override is written. */
export function timelineFor(view: ConfigView, vendor: string | undefined, script: OverrideScript): string[] {
  const loads = moduleLoads(view).filter(
    (load) =>
      (load.module === 'vfio_pci' && loadsAtStep(load)) || (load.module !== 'vfio_pci' && (vendor === undefined || driverVendor(load.module) === vendor)),
  );
  const lines = loads.map((load) => ({ step: load.step, text: `${load.module} (${STEP_LABEL[load.step]})` }));
  const at = lines.findIndex((line) => BOOT_STEPS.indexOf(line.step) > BOOT_STEPS.indexOf(script.step));
  const override = { step: script.step, text: `driver_override = vfio-pci (${STEP_LABEL[script.step]})${script.loadsVfio ? ', then modprobe vfio-pci' : ''}` };
  lines.splice(at < 0 ? lines.length : at, 0, override);
  return lines.map((line) => line.text);
}
