// vfio_pci loaded in stage 2 (boot.kernelModules) comes after a GPU driver loaded in the initrd
// (modprobed from boot.initrd.kernelModules, or by udev coldplug from availableKernelModules):
// the driver has taken the card by then. The order comes from vfio/bootTimeline.ts.
import { driverVendor, moduleLoads, scriptLoads, stepBefore, systemdInitrd } from '../vfio/bootTimeline';
import { devicesFor } from '../vfio/devices';
import { softdepsBeforeVfio } from '../vfio/modprobeConfig';
import { vfioBindings } from '../vfio/vfioBindings';
import { allOf, Finding, FixRequest, Rule } from './types';

export const VFIO_MODULES_TOO_LATE = 'vfio-modules-too-late';

const INITRD_SCRIPTS = ['boot.initrd.preDeviceCommands', 'boot.initrd.postDeviceCommands'];

export const vfioModulesTooLate: Rule = {
  code: VFIO_MODULES_TOO_LATE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'vfio_pci loads in stage 2 while the GPU driver loads in the initrd',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const bindings = vfioBindings(view);
      if (bindings.length === 0) continue;
      const loads = moduleLoads(view);
      const stage2 = loads.find((load) => load.module === 'vfio_pci' && load.step === 'stage2-modules');
      // vfio-pci loaded in the initrd: from the list, or by a script there (`modprobe -i vfio-pci`).
      const initrd =
        loads.some((load) => load.module === 'vfio_pci' && load.step === 'initrd-modules') ||
        (!systemdInitrd(view) && scriptLoads(view).some((load) => load.module === 'vfio_pci' && INITRD_SCRIPTS.includes(load.via)));
      // A driver with `softdep <driver> pre: vfio-pci` loads vfio-pci first, when the initrd holds it.
      const softdeps = softdepsBeforeVfio(view);
      const vfioInInitrd = loads.some((load) => load.module === 'vfio_pci' && load.step === 'initrd-udev');
      // With a snapshot, only a driver for the bound cards' vendor takes them.
      const vendors = hardware ? new Set(bindings.flatMap((binding) => devicesFor(binding, hardware)).map((device) => device.vendor)) : undefined;
      const drivers = [
        ...new Set(
          loads
            .filter((load) => load.module !== 'vfio_pci' && stepBefore(load.step, 'initrd-post-device'))
            .filter((load) => !vendors || vendors.has(driverVendor(load.module) ?? ''))
            .filter((load) => !(vfioInInitrd && softdeps.has(load.module)))
            .map((load) => load.module),
        ),
      ];
      if (!stage2?.definition || !stage2.range || initrd || drivers.length === 0 || !view.owns(stage2.definition)) continue;
      const steps: FixRequest[] = [
        {
          fix: 'add-list-items',
          title: 'initrd modules',
          args: { option: 'boot.initrd.kernelModules', items: ['vfio_pci', 'vfio', 'vfio_iommu_type1'], modules: true },
        },
        ...drivers
          .filter((driver) => !softdeps.has(driver))
          .map((driver): FixRequest => ({ fix: 'add-modprobe-line', title: 'softdep', args: { line: `softdep ${driver} pre: vfio-pci` } })),
      ];
      findings.push({
        code: VFIO_MODULES_TOO_LATE,
        severity: 'warning',
        message:
          `vfio_pci is loaded in stage 2 (boot.kernelModules), but ${drivers.join(', ')} loads in the initrd and takes the card first. ` +
          `Load the vfio modules in the initrd and add "softdep ${drivers[0]} pre: vfio-pci": NixOS sorts module lists by name, so their order does not decide which loads first.`,
        file: stage2.definition.file,
        range: stage2.range,
        fix: allOf('Load vfio in the initrd, before the GPU driver', steps),
      });
    }
    return findings;
  },
};
