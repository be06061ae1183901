// VFIO gives a VM whole IOMMU groups: every endpoint in the group of a bound device must be
// bound to vfio-pci too (bridges excepted), or QEMU fails with "group N is not viable". The
// usual miss is the card's own other functions: HD audio, and on Turing cards USB and UCSI.
import { describeDevice, devicesFor, idOf } from '../vfio/devices';
import { touchedGroups } from '../vfio/groups';
import { Finding, Rule } from './types';

export const VFIO_GROUP_INCOMPLETE = 'vfio-group-incomplete';

export const vfioGroupIncomplete: Rule = {
  code: VFIO_GROUP_INCOMPLETE,
  severity: 'error',
  needsHardware: true,
  acrossViews: true,
  otherSeverities: ['warning'],
  title: "A bound device's IOMMU group holds functions of the same card that are not bound",
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const group of touchedGroups(view, hardware)) {
        if (group.missingFunctions.length === 0) continue;
        const first = group.bound.flatMap((entry) => entry.bindings).find((binding) => view.owns(binding.definition));
        if (!first) continue;
        // Reached only through ids that also take devices in other groups (the host's twin card's
        // audio, say): the collision is the mistake, and binding the rest would take the host's card.
        const onlyByCollision = group.bound.every((entry) =>
          entry.bindings.every((binding) => binding.kind === 'id' && new Set(devicesFor(binding, hardware).map((device) => device.iommuGroup)).size > 1),
        );
        if (onlyByCollision) {
          findings.push({
            code: VFIO_GROUP_INCOMPLETE,
            severity: 'warning',
            message:
              `IOMMU group ${group.group} also holds ${group.missingFunctions.map(describeDevice).join(', ')}, not bound to vfio-pci; ` +
              `this group is reached only by ${first.token}, which also matches devices in other groups (see vfio-id-collision). ` +
              `If this card is the host's, bind the VM's card by address instead; binding the rest of this group would take it from the host.`,
            file: first.file,
            range: first.range,
          });
          continue;
        }
        const byId = first.kind === 'id';
        const tokens = group.missingFunctions.map((device) => (byId ? idOf(device) : device.address));
        findings.push({
          code: VFIO_GROUP_INCOMPLETE,
          severity: 'error',
          message:
            `IOMMU group ${group.group} also holds ${group.missingFunctions.map(describeDevice).join(', ')}, not bound to vfio-pci. ` +
            `All devices in an IOMMU group must go to the VM together (bridges excepted); otherwise QEMU stops with "group ${group.group} is not viable".`,
          file: first.file,
          range: first.range,
          fix: {
            fix: 'add-vfio-ids',
            title: `Bind ${tokens.join(', ')} too`,
            args: { via: first.via, tokens: [...new Set(tokens)] },
          },
        });
      }
    }
    return findings;
  },
};
