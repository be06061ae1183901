// vfio_pci in boot.initrd.kernelModules registers before a driver_override loop runs. Its id
// table matches only devices whose driver_override already names it, so it takes nothing then;
// writing driver_override later probes nothing, and the loop's `modprobe vfio-pci` finds the
// module loaded. The card is left with no driver (until something writes drivers_probe).
import { isGeneratedFile } from '../fixes/placement';
import type { PciDevice } from '../hardware/snapshot';
import { driverVendor, moduleLoads, overrideScripts, OverrideScript, STEP_LABEL, stepBefore, systemdInitrd, timelineText } from '../vfio/bootTimeline';
import { describeDevice, devicesFor } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { allOf, Finding, Rule } from './types';

export const VFIO_PCI_BEFORE_OVERRIDE = 'vfio-pci-before-override';

export const vfioPciBeforeOverride: Rule = {
  code: VFIO_PCI_BEFORE_OVERRIDE,
  severity: 'warning',
  needsHardware: false,
  title: 'vfio_pci in boot.initrd.kernelModules loads before the driver_override loop, which then binds nothing',
  acrossViews: true,
  check({ model, views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      // With the systemd initrd these scripts never run (initrd-scripts-with-systemd-initrd).
      if (systemdInitrd(view)) continue;
      const early = moduleLoads(view).find((load) => load.module === 'vfio_pci' && load.step === 'initrd-modules');
      if (!early) continue;
      const scripts = overrideScripts(view).filter((script) => stepBefore(early.step, script.step) && !script.reprobes);
      if (scripts.length === 0) continue;
      const gpuDriversEarly = moduleLoads(view).filter((load) => load.module !== 'vfio_pci' && load.step === 'initrd-modules');
      const ids = vfioBindings(view).filter((binding) => binding.kind === 'id');
      // Devices an id binds are taken as vfio-pci loads; a card a GPU driver took first is
      // gpu-driver-before-override's. Without a snapshot neither can be ruled out: say nothing then.
      let stranded: PciDevice[] = [];
      if (hardware) {
        const byId = new Set(ids.flatMap((binding) => devicesFor(binding, hardware)).map((device) => device.address));
        const named = new Map(scripts.flatMap((script) => devicesFor(script.binding, hardware)).map((device) => [device.address, device]));
        stranded = [...named.values()].filter(
          (device) => !byId.has(device.address) && !gpuDriversEarly.some((load) => driverVendor(load.module) === device.vendor),
        );
        if (stranded.length === 0) continue;
      } else if (ids.length > 0 || gpuDriversEarly.length > 0) continue;
      const script = scripts[0]!;
      const owner = early.definition && view.owns(early.definition) ? early : undefined;
      const anchor = owner?.definition ?? script.binding.definition;
      if (!view.owns(anchor)) continue;
      const movable = owner?.definition && owner.range && !isGeneratedFile(model, owner.definition.file) && scripts.every((each) => each.loadsVfio);
      const spelled = owner?.range ? (model.files.get(owner.definition!.file)?.text ?? '').slice(owner.range.start + 1, owner.range.end - 1) : 'vfio_pci';
      const cards = stranded.length > 0 ? stranded.map(describeDevice).join('; ') : `the devices ${where(script)} names`;
      findings.push({
        code: VFIO_PCI_BEFORE_OVERRIDE,
        severity: 'warning',
        message:
          `vfio_pci (boot.initrd.kernelModules) is loaded before the driver_override loop in ${where(script)} runs. vfio-pci takes a device only when its driver_override ` +
          `names vfio-pci as the device is probed, and writing driver_override probes nothing${script.loadsVfio ? ' (the loop\'s "modprobe vfio-pci" finds the module loaded and does nothing)' : ''}, ` +
          `so ${cards} ${stranded.length === 1 ? 'is' : 'are'} left with no driver until something writes drivers_probe (libvirt does when it starts a VM with a managed hostdev). ` +
          `Boot order: ${timelineText(view, stranded[0]?.vendor, script)}. ` +
          (movable
            ? `Load vfio_pci from boot.initrd.availableKernelModules instead: it is then in the initrd, and the loop's modprobe loads it after the override.`
            : `Load vfio_pci after the loop (boot.initrd.availableKernelModules, with "modprobe -i vfio-pci" after the loop), or write each address to /sys/bus/pci/drivers_probe after it.`),
        file: anchor.file,
        range: owner?.range ?? script.binding.range,
        ...(movable
          ? {
              fix: allOf('Move vfio_pci to boot.initrd.availableKernelModules (the loop loads it after the override)', [
                { fix: 'remove-list-item', title: `remove ${spelled}`, args: { option: 'boot.initrd.kernelModules', item: spelled } },
                { fix: 'add-list-item', title: 'add vfio_pci', args: { option: 'boot.initrd.availableKernelModules', item: 'vfio_pci', modules: true } },
              ]),
            }
          : {}),
      });
    }
    return findings;
  },
};

function where(script: OverrideScript): string {
  return script.binding.definition.path.join('.') || STEP_LABEL[script.step];
}
