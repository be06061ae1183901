// "Verify passthrough" after a reboot: what the configuration asks for against the running
// machine (a live hardware snapshot): the IOMMU flag on the kernel command line, an active
// IOMMU, and vfio-pci driving every device the configuration binds; per device, done or not,
// with the likely cause.
import type { VerifyItem, VerifyReport } from '../../../shared/protocol';
import { snapshotText } from '../hardware/displayText';
import { HardwareSnapshot } from '../hardware/snapshot';
import { configViews, OptionModel } from '../model/optionModel';
import { cpuVendor } from '../vfio/cpuVendor';
import { describeDevice, devicesFor } from '../vfio/devices';
import { kernelParams } from '../vfio/kernelParams';
import { vfioBindings } from '../vfio/vfioBindings';

const INTEL_ON = /^intel_iommu=(.*,)?on(,|$)/;

export type { VerifyItem, VerifyReport };

export function verifyPassthrough(model: OptionModel, live: HardwareSnapshot): VerifyReport {
  const view = configViews(model)[0]!;
  const items: VerifyItem[] = [];
  const cmdline = live.kernel?.cmdline;
  const wantsIntelFlag = cpuVendor(view, live)?.vendor === 'intel' && kernelParams(view).some(({ text }) => INTEL_ON.test(text ?? ''));
  if (wantsIntelFlag) {
    const onCommandLine = cmdline === undefined ? undefined : cmdline.split(/\s+/).some((word) => INTEL_ON.test(word));
    items.push({
      ok: onCommandLine === true,
      what: 'intel_iommu=on is on the running kernel command line',
      cause:
        onCommandLine === undefined
          ? 'the kernel command line is not known'
          : onCommandLine
            ? undefined
            : 'the running system was booted before this configuration: run nixos-rebuild boot (or switch) and reboot into the new generation',
    });
  }
  items.push({
    ok: live.iommu.active === true,
    what: 'an IOMMU is active',
    cause:
      live.iommu.active === true
        ? undefined
        : live.iommu.active === false
          ? `no IOMMU groups: turn on ${live.cpu.vendor === 'amd' ? 'AMD-Vi / IOMMU (and SVM)' : 'VT-d'} in the firmware settings${wantsIntelFlag ? '' : ', and check the kernel parameters'}`
          : 'cannot tell whether the IOMMU is active',
  });
  const seen = new Set<string>();
  for (const binding of vfioBindings(view)) {
    for (const device of devicesFor(binding, live)) {
      if (seen.has(device.address)) continue;
      seen.add(device.address);
      const driver = typeof device.driver === 'string' ? snapshotText(device.driver) : device.driver;
      const ok = driver === 'vfio-pci';
      items.push({
        ok,
        what: `${describeDevice(device)} is driven by vfio-pci`,
        cause: ok
          ? undefined
          : driver === undefined
            ? 'its current driver is not known'
            : driver === null
              ? 'no driver is bound: vfio-pci was not loaded early enough (add it to boot.initrd.kernelModules) or the ids do not match'
              : `${driver} took it first: load vfio-pci in the initrd and add "softdep ${driver} pre: vfio-pci", or bind it by address before the driver loads`,
      });
    }
  }
  return { items, ok: items.every((item) => item.ok) };
}
