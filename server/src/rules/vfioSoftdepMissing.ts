// Since NixOS turns module lists into sorted attribute names (around 25.05), the initrd loads
// `amdgpu`, `nouveau`, `nvidia` before `vfio_pci` whatever order the list is written in; only a
// softdep makes vfio-pci load first. Only ids make loading first matter: vfio-pci takes a device by
// id when it registers, while a device bound by address (driver_override) waits for its override,
// whatever loads first (gpu-driver-before-override covers that order).
import { AMDGPU_INITRD_OPTIONS, GPU_DRIVERS } from '../vfio/gpuDrivers';
import { kernelModules } from '../vfio/kernelModules';
import { softdepsBeforeVfio } from '../vfio/modprobeConfig';
import { vfioBindings } from '../vfio/vfioBindings';
import type { ConfigView } from '../model/optionModel';
import { compareReleases, Finding, Rule } from './types';

export const VFIO_SOFTDEP_MISSING = 'vfio-softdep-missing';

/** Whether vfio-pci takes some device by id (the only kind of binding that loading first decides). */
const bindsById = (view: ConfigView) => vfioBindings(view).some((binding) => binding.kind === 'id' && !binding.noDevice);

export const vfioSoftdepMissing: Rule = {
  code: VFIO_SOFTDEP_MISSING,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'vfio_pci and a GPU driver both in the initrd, with no softdep to order them',
  check({ views, settings }) {
    if (compareReleases(settings.nixosRelease, '25.05') < 0) return listOrderFindings(views, settings.nixosRelease);
    const findings: Finding[] = [];
    for (const view of views) {
      if (!bindsById(view)) continue;
      const initrd = kernelModules(view, ['boot.initrd.kernelModules']);
      if (!initrd.some((entry) => entry.name === 'vfio_pci')) continue;
      const softdeps = softdepsBeforeVfio(view);
      // hardware.amdgpu.initrd.enable puts amdgpu into the initrd without a list entry [A1.25].
      if (!softdeps.has('amdgpu') && !initrd.some((entry) => entry.name === 'amdgpu')) {
        const option = AMDGPU_INITRD_OPTIONS.flatMap((name) => view.definitions(name)).find(
          (definition) => definition.value.kind === 'bool' && definition.value.value && view.owns(definition),
        );
        if (option) {
          findings.push({
            code: VFIO_SOFTDEP_MISSING,
            severity: 'warning',
            message:
              `${option.path.join('.')} loads amdgpu in the initrd, and vfio_pci loads there too, but NixOS ${settings.nixosRelease} sorts module lists by name, so amdgpu loads first and takes the card. ` +
              'Add "softdep amdgpu pre: vfio-pci" to boot.extraModprobeConfig so vfio-pci always loads before it (or turn the option off if the host does not need amdgpu that early).',
            file: option.file,
            range: option.bindingRange,
            fix: { fix: 'add-modprobe-line', title: 'Add "softdep amdgpu pre: vfio-pci"', args: { line: 'softdep amdgpu pre: vfio-pci' } },
          });
        }
      }
      for (const entry of initrd) {
        if (!GPU_DRIVERS.has(entry.name) || softdeps.has(entry.name) || !view.owns(entry.definition)) continue;
        findings.push({
          code: VFIO_SOFTDEP_MISSING,
          severity: 'warning',
          message:
            `${entry.name} and vfio_pci both load in the initrd, but NixOS ${settings.nixosRelease} sorts module lists by name, so ${entry.name} loads first and takes the card. ` +
            `Add "softdep ${entry.name} pre: vfio-pci" to boot.extraModprobeConfig so vfio-pci always loads before it.`,
          file: entry.definition.file,
          range: entry.range,
          fix: { fix: 'add-modprobe-line', title: `Add "softdep ${entry.name} pre: vfio-pci"`, args: { line: `softdep ${entry.name} pre: vfio-pci` } },
        });
      }
    }
    return findings;
  },
};

/**
 * Before NixOS 25.05 the initrd loads its list in the order written: a GPU driver written before
 * vfio_pci in the same list loads first. (Across files the merge order is not something to read
 * from the text, so only one list is compared.)
 */
function listOrderFindings(views: readonly ConfigView[], release: string): Finding[] {
  const findings: Finding[] = [];
  for (const view of views) {
    if (!bindsById(view)) continue;
    const initrd = kernelModules(view, ['boot.initrd.kernelModules']);
    const softdeps = softdepsBeforeVfio(view);
    for (const vfio of initrd.filter((entry) => entry.name === 'vfio_pci' && entry.definition.value.kind === 'list')) {
      for (const entry of initrd) {
        if (
          entry.definition !== vfio.definition ||
          entry.range.start > vfio.range.start ||
          !GPU_DRIVERS.has(entry.name) ||
          softdeps.has(entry.name) ||
          !view.owns(entry.definition)
        )
          continue;
        findings.push({
          code: VFIO_SOFTDEP_MISSING,
          severity: 'warning',
          message:
            `${entry.name} comes before vfio_pci in boot.initrd.kernelModules, and NixOS ${release} loads that list in the order written, so ${entry.name} loads first and takes the card. ` +
            `Add "softdep ${entry.name} pre: vfio-pci" to boot.extraModprobeConfig: it keeps vfio-pci first whatever the order, also after NixOS 25.05, which loads module lists sorted by name.`,
          file: entry.definition.file,
          range: entry.range,
          fix: { fix: 'add-modprobe-line', title: `Add "softdep ${entry.name} pre: vfio-pci"`, args: { line: `softdep ${entry.name} pre: vfio-pci` } },
        });
      }
    }
  }
  return findings;
}
