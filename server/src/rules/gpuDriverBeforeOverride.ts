// A GPU driver in boot.initrd.kernelModules is modprobed before boot.initrd.preDeviceCommands
// runs (stage-1-init.sh), and binds every card it drives as it registers; the driver_override
// loop then comes too late for the VM's card (driver_override neither unbinds nor re-probes).
// Moved to boot.initrd.availableKernelModules, udev loads it at coldplug, after the loop.
import { moduleLoads, overrideScripts, driverVendor, timelineText } from '../vfio/bootTimeline';
import { describeDevice, devicesFor, isDisplay } from '../vfio/devices';
import { isGeneratedFile } from '../fixes/placement';
import { allOf, Finding, Rule } from './types';

export const GPU_DRIVER_BEFORE_OVERRIDE = 'gpu-driver-before-override';

export const gpuDriverBeforeOverride: Rule = {
  code: GPU_DRIVER_BEFORE_OVERRIDE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A GPU driver in boot.initrd.kernelModules loads before the driver_override loop in preDeviceCommands',
  check({ model, views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const scripts = overrideScripts(view).filter((script) => script.step === 'initrd-pre-device');
      if (scripts.length === 0) continue;
      const early = moduleLoads(view).filter((load) => load.step === 'initrd-modules' && load.module !== 'vfio_pci');
      for (const load of early) {
        // With hardware: only a driver for the bound cards' vendor takes them.
        const bound = hardware ? scripts.flatMap((script) => devicesFor(script.binding, hardware)) : [];
        const vendor = driverVendor(load.module);
        if (hardware && !bound.some((device) => device.vendor === vendor)) continue;
        const cards = hardware ? hardware.devices.filter((device) => isDisplay(device) && device.vendor === vendor) : [];
        const owner = load.definition && view.owns(load.definition) ? load : undefined;
        const anchor = owner?.definition ?? scripts[0]!.binding.definition;
        if (!view.owns(anchor)) continue;
        const takes =
          cards.length > 1
            ? `takes ${cards.length === 2 ? 'both' : 'all'} cards (${cards.map(describeDevice).join('; ')})`
            : cards.length === 1
              ? `takes ${describeDevice(cards[0]!)}`
              : 'takes every card it drives';
        const timeline = timelineText(view, vendor, scripts[0]!);
        const movable = owner && owner.definition && !isGeneratedFile(model, owner.definition.file);
        const spelled = owner?.range ? (model.files.get(owner.definition!.file)?.text ?? '').slice(owner.range.start + 1, owner.range.end - 1) : load.module;
        findings.push({
          code: GPU_DRIVER_BEFORE_OVERRIDE,
          severity: 'warning',
          message:
            `${load.module} (${load.via}) is loaded before boot.initrd.preDeviceCommands runs and ${takes} before the driver_override loop; ` +
            `driver_override does not unbind a driver, so the VM's card stays on ${load.module}. Boot order: ${timeline}. ` +
            (movable
              ? `Load ${load.module} from boot.initrd.availableKernelModules instead: udev loads it for the host's card after the loop.`
              : `Load it later (boot.initrd.availableKernelModules, by udev, after the loop), or bind with ids and a softdep instead of the loop.`),
          file: anchor.file,
          range: owner?.range ?? scripts[0]!.binding.range,
          ...(movable
            ? {
                fix: allOf(`Move ${load.module} to boot.initrd.availableKernelModules (the loop runs first)`, [
                  { fix: 'remove-list-item', title: `remove ${spelled}`, args: { option: 'boot.initrd.kernelModules', item: spelled } },
                  {
                    fix: 'add-list-item',
                    title: `add ${load.module}`,
                    args: { option: 'boot.initrd.availableKernelModules', item: load.module, modules: true },
                  },
                ]),
              }
            : {}),
        });
      }
    }
    return findings;
  },
};
