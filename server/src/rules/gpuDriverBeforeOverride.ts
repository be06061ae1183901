// A GPU driver in boot.initrd.kernelModules is loaded before the initrd writes driver_override,
// and binds every card it drives as it registers; driver_override neither unbinds nor re-probes,
// so the VM's card stays on it.
// - The driver_override loop in preDeviceCommands: stage-1-init.sh modprobes kernelModules first.
//   Moved to boot.initrd.availableKernelModules, udev loads it at coldplug, after the loop.
// - A udev rule setting driver_override (udevRules.ts): the scripted initrd modprobes the
//   kernelModules before udevd starts; the systemd initrd loads them with systemd-modules-load,
//   which is not ordered against udev's coldplug, so the driver may come first. Moved to
//   availableKernelModules, udev loads it in a card's own event, after that event's rules; but an
//   event of another card it drives may load it before the VM card's rule runs, so the move is
//   offered only when the snapshot shows no other such card.
import { moduleLoads, overrideScripts, driverVendor, timelineText, ModuleLoad, OverrideScript } from '../vfio/bootTimeline';
import { describeDevice, devicesFor, isDisplay } from '../vfio/devices';
import { maySystemdInitrd } from '../vfio/udevRules';
import { isGeneratedFile } from '../fixes/placement';
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView, OptionModel } from '../model/optionModel';
import { allOf, Finding, FixRequest, Rule } from './types';

export const GPU_DRIVER_BEFORE_OVERRIDE = 'gpu-driver-before-override';

export const gpuDriverBeforeOverride: Rule = {
  code: GPU_DRIVER_BEFORE_OVERRIDE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A GPU driver in boot.initrd.kernelModules loads before the initrd writes driver_override (preDeviceCommands loop or udev rule)',
  check({ model, views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const all = overrideScripts(view);
      const loops = all.filter((script) => script.step === 'initrd-pre-device');
      // A loop runs before udev: when there is one, it is what the driver beats first.
      const scripts = loops.length > 0 ? loops : all.filter((script) => script.step === 'initrd-udev');
      if (scripts.length === 0) continue;
      const early = moduleLoads(view).filter((load) => load.step === 'initrd-modules' && load.module !== 'vfio_pci');
      for (const load of early) {
        const finding = checkLoad(model, view, hardware, load, scripts);
        if (finding) findings.push(finding);
      }
    }
    return findings;
  },
};

function checkLoad(
  model: OptionModel,
  view: ConfigView,
  hardware: HardwareSnapshot | undefined,
  load: ModuleLoad,
  scripts: OverrideScript[],
): Finding | undefined {
  // With hardware: only a driver for the bound cards' vendor takes them.
  const bound = hardware ? scripts.flatMap((script) => devicesFor(script.binding, hardware)) : [];
  const vendor = driverVendor(load.module);
  if (hardware && !bound.some((device) => device.vendor === vendor)) return undefined;
  const cards = hardware ? hardware.devices.filter((device) => isDisplay(device) && device.vendor === vendor) : [];
  const owner = load.definition && view.owns(load.definition) ? load : undefined;
  const anchor = owner?.definition ?? scripts[0]!.binding.definition;
  if (!view.owns(anchor)) return undefined;
  const takes =
    cards.length > 1
      ? `takes ${cards.length === 2 ? 'both' : 'all'} cards (${cards.map(describeDevice).join('; ')})`
      : cards.length === 1
        ? `takes ${describeDevice(cards[0]!)}`
        : 'takes every card it drives';
  const timeline = timelineText(view, vendor, scripts[0]!);
  const movable = owner && owner.definition && !isGeneratedFile(model, owner.definition.file);
  const spelled = owner?.range ? (model.files.get(owner.definition!.file)?.text ?? '').slice(owner.range.start + 1, owner.range.end - 1) : load.module;
  const move = (title: string): FixRequest =>
    allOf(title, [
      { fix: 'remove-list-item', title: `remove ${spelled}`, args: { option: 'boot.initrd.kernelModules', item: spelled } },
      { fix: 'add-list-item', title: `add ${load.module}`, args: { option: 'boot.initrd.availableKernelModules', item: load.module, modules: true } },
    ]);
  const base = { code: GPU_DRIVER_BEFORE_OVERRIDE, severity: 'warning' as const, file: anchor.file, range: owner?.range ?? scripts[0]!.binding.range };
  if (scripts[0]!.step === 'initrd-pre-device') {
    return {
      ...base,
      message:
        `${load.module} (${load.via}) is loaded before boot.initrd.preDeviceCommands runs and ${takes} before the driver_override loop; ` +
        `driver_override does not unbind a driver, so the VM's card stays on ${load.module}. Boot order: ${timeline}. ` +
        (movable
          ? `Load ${load.module} from boot.initrd.availableKernelModules instead: udev loads it for the host's card after the loop.`
          : `Load it later (boot.initrd.availableKernelModules, by udev, after the loop), or bind with ids and a softdep instead of the loop.`),
      ...(movable ? { fix: move(`Move ${load.module} to boot.initrd.availableKernelModules (the loop runs first)`) } : {}),
    };
  }
  // A udev rule sets the override. Other cards of the driver's vendor, not bound by the rules:
  // their own events may load the driver before the VM card's rule runs.
  const others = cards.filter((card) => !bound.some((device) => device.address === card.address));
  const systemd = maySystemdInitrd(view);
  const when = systemd
    ? `is loaded by systemd-modules-load (${load.via}), which is not ordered against udev's coldplug, so it may take ${takes.replace(/^takes /, '')} before the udev rule writes driver_override`
    : `(${load.via}) is loaded before udev starts and ${takes} before the udev rule writes driver_override`;
  const moveSafe = movable && hardware !== undefined && others.length === 0;
  return {
    ...base,
    message:
      `${load.module} ${when}; driver_override does not unbind a driver, so the VM's card ${systemd ? 'may stay' : 'stays'} on ${load.module}.` +
      (systemd ? ' ' : ` Boot order: ${timeline}. `) +
      (moveSafe
        ? `Load ${load.module} from boot.initrd.availableKernelModules instead: udev then loads it in the card's own event, after its rule.`
        : `Loading it from boot.initrd.availableKernelModules instead lets udev load it in a card's own event, after that event's rules, ` +
          `but ${others.length > 0 ? `the event of ${others.map(describeDevice).join('; ')}` : "another card's event"} may still load it before the VM card's rule runs; ` +
          `so no place in the initrd makes it certain: bind with ids if the cards' ids differ, or check with lspci -k after boot that the VM's card is on vfio-pci.`),
    ...(moveSafe ? { fix: move(`Move ${load.module} to boot.initrd.availableKernelModules (udev loads it after the rule)`) } : {}),
  };
}
