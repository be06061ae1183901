// pcie_acs_override= exists only in kernels carrying the out-of-tree ACS override patch (zen,
// liquorix, xanmod, or one patched through boot.kernelPatches). On a stock kernel it is ignored
// and the IOMMU groups stay as they are.
import { kernelVersion } from './facts/kernelVersion';
import { kernelParams } from './facts/kernelParams';
import { Finding, Rule } from './types';

export const ACS_OVERRIDE_UNPATCHED = 'acs-override-unpatched';

export const acsOverrideUnpatched: Rule = {
  code: ACS_OVERRIDE_UNPATCHED,
  severity: 'warning',
  title: 'pcie_acs_override= on a kernel without the ACS override patch',
  check({ views, hardware, settings }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const params = kernelParams(view).filter(({ text }) => text?.startsWith('pcie_acs_override='));
      if (params.length === 0) continue;
      const kernel = kernelVersion(view, hardware, settings.nixosRelease);
      const patches = view.definitionsUnder('boot.kernelPatches');
      const patchText = patches.map((definition) => (view.model.files.get(definition.file)?.text ?? '').slice(definition.value.range.start, definition.value.range.end)).join(' ');
      const patched = kernel.family !== undefined || /acs/i.test(patchText) || patches.some((definition) => definition.value.kind === 'unknown');
      const overridden = view.definitionsUnder('nixpkgs.config.packageOverrides').length > 0 || view.definitionsUnder('nixpkgs.overlays').length > 0;
      if (patched || !view.fullyKnown('boot.kernelPatches')) continue;
      for (const { item, definition } of params) {
        if (!view.owns(definition)) continue;
        findings.push({
          code: ACS_OVERRIDE_UNPATCHED,
          severity: 'warning',
          message:
            'pcie_acs_override= only works on a kernel with the ACS override patch (zen, liquorix, xanmod, or one patched through boot.kernelPatches); ' +
            `no such kernel is configured here (${kernel.source}), so the parameter is ignored and the IOMMU groups stay as they are.` +
            (overridden ? ' If a nixpkgs override patches the kernel, note that overriding a top-level linux package does not always change the boot.kernelPackages set; boot.kernelPatches is the reliable way.' : ''),
          file: definition.file,
          range: item.range,
        });
      }
    }
    return findings;
  },
};
