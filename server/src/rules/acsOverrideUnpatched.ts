// pcie_acs_override= exists only in kernels carrying the out-of-tree ACS override patch (zen,
// liquorix, xanmod, or one patched through boot.kernelPatches). On a stock kernel it is ignored
// and the IOMMU groups stay as they are.
import type { ConfigView } from '../model/optionModel';
import { kernelVersion } from '../vfio/kernelVersion';
import { kernelParams } from '../vfio/kernelParams';
import { Finding, Rule } from './types';

export const ACS_OVERRIDE_UNPATCHED = 'acs-override-unpatched';

const ACS = /acs/i;
const OVERRIDE_OPTIONS = ['nixpkgs.config.packageOverrides', 'nixpkgs.overlays'];

function sourceText(view: ConfigView, options: string[]): string {
  return options
    .flatMap((option) => view.definitionsUnder(option))
    .map((definition) => (view.model.files.get(definition.file)?.source ?? '').slice(definition.value.range.start, definition.value.range.end))
    .join('\n');
}

export const acsOverrideUnpatched: Rule = {
  code: ACS_OVERRIDE_UNPATCHED,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'pcie_acs_override= on a kernel without the ACS override patch',
  check({ views, hardware, settings }) {
    const findings: Finding[] = [];
    for (const view of views) {
      // Only parameters it owns are reported, so a view owning none is done without reading more.
      const params = kernelParams(view, { owned: true }).filter(({ text }) => /^pcie[-_]acs[-_]override=/.test(text ?? ''));
      if (params.length === 0) continue;
      const kernel = kernelVersion(view, hardware, settings.nixosRelease);
      const packages = kernel.packagesText ?? '';
      const runningFamily = /(zen|lqx|xanmod|cachyos)/.exec(hardware?.kernel?.release ?? '')?.[1];
      const patches = view.definitionsUnder('boot.kernelPatches');
      const patched =
        kernel.family !== undefined ||
        (runningFamily !== undefined && kernel.packagesText === undefined) ||
        ACS.test(sourceText(view, ['boot.kernelPatches'])) ||
        patches.some((definition) => definition.value.kind === 'unknown') ||
        // A package set built from a patched kernel: linuxPackagesFor (linux_6_6.override { kernelPatches = … }).
        ACS.test(packages) ||
        /kernelPatches/.test(packages);
      if (patched || !view.fullyKnown('boot.kernelPatches')) continue;
      // The guide's way: the patch added to a top-level kernel in nixpkgs.config.packageOverrides.
      const overrides = sourceText(view, OVERRIDE_OPTIONS);
      const patchedByOverride = ACS.test(overrides);
      // linuxPackagesFor pkgs.linux_X builds from the overridden top-level kernel, and an override
      // of a linuxPackages_* set itself is what boot.kernelPackages names.
      if (patchedByOverride && (/linuxPackagesFor/.test(packages) || /linuxPackages/.test(overrides))) continue;
      for (const { item, definition } of params) {
        if (!view.owns(definition)) continue;
        findings.push({
          code: ACS_OVERRIDE_UNPATCHED,
          severity: 'warning',
          message: patchedByOverride
            ? 'The ACS override patch is added to a kernel in a nixpkgs override, but that does not reach the kernel NixOS boots: ' +
              `${kernel.packagesText ? `boot.kernelPackages (${kernel.packagesText})` : 'the default boot.kernelPackages'} is a linuxKernel.packages set, built from linuxKernel.kernels rather than from the top-level linux_* you overrode, so pcie_acs_override= is ignored there. ` +
              'Add the patch with boot.kernelPatches (NixOS applies it to boot.kernelPackages), or set boot.kernelPackages = pkgs.linuxPackagesFor pkgs.linux_… of the patched kernel.'
            : 'pcie_acs_override= only works on a kernel with the ACS override patch (zen, liquorix, xanmod, or one patched through boot.kernelPatches); ' +
              `no such kernel is configured here (${kernel.source}), so the kernel ignores the parameter ("Unknown kernel command line parameters") and the IOMMU groups stay as they are.`,
          file: definition.file,
          range: item.range,
        });
      }
    }
    return findings;
  },
};
