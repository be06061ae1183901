// VFIO on an Intel CPU needs `intel_iommu=on`: without an active IOMMU there are no IOMMU groups
// and vfio-pci cannot bind. Upstream Kconfig turns the Intel IOMMU on by default, but distribution
// kernels often do not, and NixOS's default is not one to rely on (see shared rule facts A2.4).
import { HOLE } from '../model/values';
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS, kernelParams, paramName, paramValue } from '../vfio/kernelParams';
import { vfioEvidence } from '../vfio/vfioIntent';
import { Finding, Rule } from './types';

export const INTEL_IOMMU_MISSING = 'intel-iommu-missing';

export const intelIommuMissing: Rule = {
  code: INTEL_IOMMU_MISSING,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'VFIO is configured on an Intel CPU but boot.kernelParams lacks intel_iommu=on',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const vendor = cpuVendor(view, hardware);
      if (vendor?.vendor !== 'intel') continue;
      const evidence = vfioEvidence(view);
      if (evidence.length === 0 || !view.fullyKnown(KERNEL_PARAMS)) continue;
      const params = kernelParams(view);
      // Words, not items: "intel_iommu=on iommu=pt" in one string is the unquoted-space rule's finding.
      const enabled = params.some(({ text }) => {
        if (text === undefined) return true; // not a string we can read: could be it
        return text.split(/\s+/).some((word) => {
          if (word.startsWith(HOLE)) return true;
          return paramName(word) === 'intel_iommu' && (paramValue(word)?.split(',').includes('on') ?? true);
        });
      });
      if (enabled) continue;
      const scope = view.specialisation === undefined ? '' : ` (in specialisation "${view.specialisation}")`;
      const reason = `${capitalise(vendor.source)}; without the IOMMU turned on there are no IOMMU groups and vfio-pci cannot take the device.`;
      // `intel_iommu=off` (or only sub-options like igfx_off) written out: change that item rather
      // than add a second, contradicting one.
      const written = params.find(
        ({ text, item, definition }) =>
          text !== undefined &&
          !/\s/.test(text) &&
          item.value.kind === 'string' &&
          paramName(text) === 'intel_iommu' &&
          paramValue(text) !== undefined &&
          view.owns(definition),
      );
      if (written?.text !== undefined) {
        const kept = paramValue(written.text)!
          .split(',')
          .filter((option) => option !== '' && option !== 'off' && option !== 'on');
        const replacement = `intel_iommu=${['on', ...kept].join(',')}`;
        findings.push({
          code: INTEL_IOMMU_MISSING,
          severity: 'warning',
          message: `VFIO is set up (${evidence[0]!.what}) but "${written.text}" does not turn the Intel IOMMU on${scope}. ${reason}`,
          file: written.definition.file,
          range: written.item.range,
          fix: {
            fix: 'replace-list-item',
            title: `Replace "${written.text}" with "${replacement}"`,
            args: { option: KERNEL_PARAMS, item: written.text, replacement },
          },
        });
        continue;
      }
      // Point at the kernelParams list when there is one (the fix edits it), else at the VFIO setup.
      const inView = params.find(({ definition }) => definition.specialisation === view.specialisation) ?? params[0];
      const definition = view.effectiveDefinitions(KERNEL_PARAMS)[0];
      const where = inView
        ? { file: inView.definition.file, range: inView.definition.value.range }
        : definition
          ? { file: definition.file, range: definition.value.range }
          : { file: evidence[0]!.file, range: evidence[0]!.range };
      findings.push({
        code: INTEL_IOMMU_MISSING,
        severity: 'warning',
        message: `VFIO is set up (${evidence[0]!.what}) but boot.kernelParams has no "intel_iommu=on"${scope}. ${reason}`,
        ...where,
        fix: {
          fix: 'add-list-item',
          title: 'Add "intel_iommu=on" to boot.kernelParams',
          args: { option: KERNEL_PARAMS, item: 'intel_iommu=on', specialisation: view.specialisation },
        },
      });
    }
    return findings;
  },
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
