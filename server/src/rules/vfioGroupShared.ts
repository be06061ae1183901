// A GPU whose IOMMU group also holds other cards or chipset devices (common on laptops and in
// chipset-attached slots) cannot be passed alone. Binding the whole group takes those devices
// from the host; the ACS override patch splits groups but gives up the isolation they stand for.
import { describeDevice } from '../vfio/devices';
import { touchedGroups } from '../vfio/groups';
import { Finding, Rule } from './types';

export const VFIO_GROUP_SHARED = 'vfio-group-shared';

export const vfioGroupShared: Rule = {
  code: VFIO_GROUP_SHARED,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: "A bound device's IOMMU group holds devices of other cards or the chipset",
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const group of touchedGroups(view, hardware)) {
        if (group.unrelated.length === 0) continue;
        const first = group.bound.flatMap((entry) => entry.bindings).find((binding) => view.owns(binding.definition));
        if (!first) continue;
        const shown =
          group.unrelated.slice(0, 5).map(describeDevice).join(', ') + (group.unrelated.length > 5 ? ` and ${group.unrelated.length - 5} more` : '');
        findings.push({
          code: VFIO_GROUP_SHARED,
          severity: 'warning',
          message:
            `IOMMU group ${group.group} is shared with ${shown}. A VM gets whole groups, so these would leave the host too. ` +
            `Options: move the card to a slot with its own group (often a CPU-attached slot), check firmware settings (ACS, "IOMMU groups"), ` +
            `or use the ACS override patch (pcie_acs_override=), which splits groups but lets these devices reach each other's memory without the IOMMU in between.`,
          file: first.file,
          range: first.range,
        });
      }
    }
    return findings;
  },
};
