// A driver_override script that runs after the card's GPU driver has loaded: in
// boot.postBootCommands (stage 2, just before systemd) after a driver the initrd loads, or in
// boot.initrd.postDeviceCommands after udev coldplug loaded it (availableKernelModules) or the
// initrd modprobed it (kernelModules). The driver has taken the card by then, and
// driver_override does not unbind a driver: the card never reaches vfio-pci. The order comes
// from vfio/bootTimeline.ts; a loop in preDeviceCommands is gpu-driver-before-override's.
import { driversBefore, overrideScripts, OverrideScript, systemdInitrd, timelineText } from '../vfio/bootTimeline';
import { devicesFor } from '../vfio/devices';
import type { Definition } from '../model/optionModel';
import { maySystemdInitrd } from '../vfio/udevRules';
import { Finding, Rule } from './types';

export const VFIO_OVERRIDE_TOO_LATE = 'vfio-override-too-late';

export const vfioOverrideTooLate: Rule = {
  code: VFIO_OVERRIDE_TOO_LATE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'driver_override set in a boot script that runs after the GPU driver has taken the card',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const late = overrideScripts(view).filter(
        // With the systemd initrd, postDeviceCommands never runs (initrd-scripts-with-systemd-initrd says so).
        (script) => script.step === 'post-boot' || (script.step === 'initrd-post-device' && !systemdInitrd(view)),
      );
      const byDefinition = new Map<Definition, OverrideScript[]>();
      for (const script of late) byDefinition.set(script.binding.definition, [...(byDefinition.get(script.binding.definition) ?? []), script]);
      for (const [definition, scripts] of byDefinition) {
        if (!view.owns(definition)) continue;
        const script = scripts[0]!;
        // With a snapshot, only a driver for the bound cards' vendor takes them.
        const vendors = hardware ? [...new Set(scripts.flatMap((each) => devicesFor(each.binding, hardware)).map((device) => device.vendor))] : [undefined];
        const vendor = vendors.find((candidate) => driversBefore(view, candidate, script).length > 0);
        const drivers = [...new Set(driversBefore(view, vendor, script).map((load) => load.module))];
        if (drivers.length === 0) continue;
        const where =
          script.step === 'post-boot'
            ? `boot.postBootCommands (stage 2), but ${drivers.join(', ')} loads in the initrd`
            : `boot.initrd.postDeviceCommands (after udev coldplug), but ${drivers.join(', ')} loads before it`;
        findings.push({
          code: VFIO_OVERRIDE_TOO_LATE,
          severity: 'warning',
          message:
            `driver_override is written in ${where} and takes the card first; driver_override does not unbind a driver. ` +
            `Boot order: ${timelineText(view, vendor, script)}. ` +
            `Write it ${maySystemdInitrd(view) ? 'with a udev rule in boot.initrd.services.udev.rules (the systemd initrd has no preDeviceCommands)' : 'in boot.initrd.preDeviceCommands (scripted initrd)'}, before the GPU driver loads.`,
          file: definition.file,
          range: definition.value.range,
        });
      }
    }
    return findings;
  },
};
