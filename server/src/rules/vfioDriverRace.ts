// vfio-pci loaded only in stage 2 (boot.kernelModules), and nothing keeps the card's own driver
// off: systemd-modules-load loads vfio_pci while udev loads the GPU driver for the same card, and
// whichever binds first keeps it.
import { driversForBoundCards, driversKeptOff } from '../vfio/cardDrivers';
import { initrdGpuDrivers } from '../vfio/gpuDrivers';
import { moduleLoads, scriptLoads } from '../vfio/bootTimeline';
import { kernelModules } from '../vfio/kernelModules';
import { etcModprobeFile, NIXOS_CONF } from '../vfio/modprobeFiles';
import { vfioBindings, writtenBindings } from '../vfio/vfioBindings';
import { FixRequest, Rule, ViewFinding } from './types';

export const VFIO_DRIVER_RACE = 'vfio-driver-race';

export const vfioDriverRace: Rule = {
  code: VFIO_DRIVER_RACE,
  severity: 'warning',
  needsHardware: false,
  title: 'vfio-pci loads only in stage 2 and nothing keeps the GPU driver off the card',
  checkView({ view, hardware }) {
    const findings: ViewFinding[] = [];
    const ids = vfioBindings(view).filter((binding) => binding.kind === 'id');
    if (ids.length === 0) return findings;
    const stage2 = kernelModules(view, ['boot.kernelModules']).find((entry) => entry.name === 'vfio_pci');
    if (!stage2) return findings;
    // In the initrd it comes first (or vfio-modules-too-late speaks when a GPU driver is there too).
    if (kernelModules(view, ['boot.initrd.kernelModules']).some((entry) => entry.name === 'vfio_pci')) return findings;
    // A GPU driver the initrd loads (listed, or by udev coldplug from availableKernelModules) is vfio-modules-too-late's.
    if (initrdGpuDrivers(view).length > 0) return findings;
    if (moduleLoads(view).some((load) => load.module !== 'vfio_pci' && load.step === 'initrd-udev')) return findings;
    // A boot script loads it itself before stage 2's udev (`modprobe -i vfio-pci`).
    if (scriptLoads(view).some((load) => load.module === 'vfio_pci')) return findings;
    const keptOff = driversKeptOff(view);
    const cards = driversForBoundCards(view, ids, hardware)
      .map((card) => ({ ...card, open: card.drivers.filter((driver) => !keptOff.has(driver)) }))
      .filter((card) => card.open.length > 0);
    if (cards.length === 0) return findings;
    const open = cards.flatMap((card) => card.open);
    // ids in a modprobe.d file of stage 2 only (also ones a later line replaces): loaded in the initrd, vfio-pci would never read them.
    const stage2Files = [
      ...new Set(
        writtenBindings(view).flatMap((binding) => {
          const file = binding.assignment && etcModprobeFile(binding.assignment.definition);
          return file && file !== NIXOS_CONF ? [`/etc/modprobe.d/${file}`] : [];
        }),
      ),
    ];
    const named = cards.map((card) => `${card.open.join(' or ')} for the ${card.vendor} card`).join(', ');
    const softdeps: FixRequest = {
      fix: 'add-modprobe-line',
      title: `Add ${open.map((driver) => `"softdep ${driver} pre: vfio-pci"`).join(' and ')}`,
      args: { line: open.map((driver) => `softdep ${driver} pre: vfio-pci`).join('\n') },
    };
    findings.push({
      owner: stage2.definition,
      code: VFIO_DRIVER_RACE,
      severity: 'warning',
      message:
        `vfio_pci loads only in stage 2 (boot.kernelModules), while udev loads the card's own driver (${named}) at the same time; ` +
        `whichever binds first keeps the card, and vfio-pci often loses. Keep the driver off until vfio-pci is there: ` +
        `add ${open.map((driver) => `"softdep ${driver} pre: vfio-pci"`).join(', ')} to boot.extraModprobeConfig` +
        (stage2Files.length === 0
          ? `, or load vfio_pci, vfio and vfio_iommu_type1 in the initrd (boot.initrd.kernelModules), which runs before stage 2.`
          : ` (loading vfio_pci in the initrd instead would leave ${stage2Files.join(', ')} unread: the initrd holds only nixos.conf).`),
      file: stage2.definition.file,
      range: stage2.range,
      fix: softdeps,
      moreFixes:
        stage2Files.length === 0
          ? [
              {
                fix: 'add-list-items',
                title: 'Load the vfio modules in the initrd',
                args: { option: 'boot.initrd.kernelModules', items: ['vfio_pci', 'vfio', 'vfio_iommu_type1'], modules: true },
              },
            ]
          : [],
    });
    return findings;
  },
};
