// `lib.mkForce [ … ]` on a list option replaces what every other module defines there, not only
// the module it is written in: VFIO entries written elsewhere (kernel parameters, vfio modules)
// are dropped in that configuration without any message from NixOS.
import { basename } from 'node:path';
import { definitionPriority, Definition } from '../model/optionModel';
import { knownText } from '../model/values';
import { Finding, Rule } from './types';

export const MKFORCE_DROPS_VFIO = 'mkforce-drops-vfio';

const LIST_OPTIONS = ['boot.kernelParams', 'boot.initrd.kernelModules', 'boot.kernelModules', 'boot.blacklistedKernelModules'];
const VFIO_ENTRY =
  /^(vfio|vfio[-_]pci(\.ids=.*)?|vfio[-_]iommu[-_]type1.*|intel[-_]iommu=.*|amd[-_]iommu=.*|iommu=.*|pcie_acs_override=.*|kvm[-_](intel|amd)|nouveau|nvidia.*|amdgpu|radeon|i915)$/;

export const mkForceDropsVfio: Rule = {
  code: MKFORCE_DROPS_VFIO,
  severity: 'info',
  needsHardware: false,
  acrossViews: true,
  title: 'lib.mkForce on a list option drops VFIO entries other modules add',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const option of LIST_OPTIONS) {
        // Only a definition of its own can be a specialisation's finding (the one that forces).
        if (view.readsOwnOnly && !view.ownDefinitions(option).some((definition) => definitionPriority(definition) < 100)) continue;
        const all = view.definitions(option);
        const effective = new Set(view.effectiveDefinitions(option));
        const dropped = all.filter((definition) => !effective.has(definition));
        if (dropped.length === 0) continue;
        const entries = dropped.flatMap((definition: Definition) =>
          definition.value.kind === 'list'
            ? definition.value.items.flatMap((item) => {
                const text = knownText(item.value);
                return text !== undefined && VFIO_ENTRY.test(text) ? [`"${text}" (${basename(definition.file)})`] : [];
              })
            : [],
        );
        if (entries.length === 0) continue;
        for (const forcing of effective) {
          if (!view.owns(forcing) || !(definitionPriority(forcing) < 100)) continue;
          findings.push({
            code: MKFORCE_DROPS_VFIO,
            severity: 'info',
            message:
              `${forcing.modifiers.join(' ')} replaces every other definition of ${option}${view.specialisation ? ` in specialisation ${view.specialisation}` : ''}, those of other modules included (hardware-configuration.nix, imported modules). ` +
              `Here it drops ${entries.slice(0, 6).join(', ')}${entries.length > 6 ? ` and ${entries.length - 6} more` : ''}. ` +
              'If only some entries should go, list what stays, or remove just those in the module that adds them.',
            file: forcing.file,
            range: forcing.bindingRange,
          });
        }
      }
    }
    return findings;
  },
};
