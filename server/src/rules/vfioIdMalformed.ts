// vfio-pci's `ids` takes vendor:device[:subvendor[:subdevice[:class[:mask]]]] in hex. A PCI
// address (`0000:02:00.0`), a `;` separator or a stray word makes vfio-pci skip the entry
// (it logs "vfio_pci: invalid id string"), so the device stays with its host driver.
import { HardwareSnapshot, iommuGroups } from '../hardware/snapshot';
import { ConfigView } from '../model/optionModel';
import { devicesFor, idOf, isBridge, slotOf } from '../vfio/devices';
import { normaliseAddress, parseVfioId, VfioBinding, writtenBindings } from '../vfio/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_ID_MALFORMED = 'vfio-id-malformed';

const PCI_ADDRESS = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

function suggestion(token: string, hardware: HardwareSnapshot | undefined): { replacement: string; why: string } | undefined {
  if (PCI_ADDRESS.test(token)) {
    const device = hardware?.devices.find((candidate) => candidate.address === normaliseAddress(token));
    if (!device) return undefined;
    // An id that other cards share would take them too: then the address is the way to say it.
    const twins = hardware!.devices.filter((other) => idOf(other) === idOf(device) && slotOf(other.address) !== slotOf(device.address));
    if (twins.length > 0) return undefined;
    return { replacement: idOf(device), why: `the device at ${token} has id ${idOf(device)}` };
  }
  const parts = token.split(/[;\s]+/).filter(Boolean);
  if (parts.length > 1 && parts.every((part) => parseVfioId(part))) return { replacement: parts.join(','), why: 'ids are separated by commas' };
  return undefined;
}

/**
 * The address names the device exactly: bind it the way addresses are bound. When the snapshot
 * knows its IOMMU group, the whole group goes, its ids and addresses out of the ids lists, so the
 * fix leaves no group half bound and nothing bound twice.
 */
function bindByAddress(binding: VfioBinding, view: ConfigView, hardware: HardwareSnapshot | undefined): FixRequest {
  const address = normaliseAddress(binding.token);
  const group = hardware?.devices.find((device) => device.address === address)?.iommuGroup;
  const members = group === undefined || group === null ? [] : (iommuGroups(hardware!).get(group) ?? []).filter((device) => !isBridge(device));
  if (members.length === 0) {
    return {
      fix: 'bind-by-address',
      title: `Bind ${binding.token} by address with driver_override instead`,
      args: { ids: [binding.token.toLowerCase()], addresses: [address], specialisation: view.specialisation },
    };
  }
  const addresses = members.map((device) => device.address).sort();
  // Its addresses written as ids, and ids that take its devices (now bound by address instead).
  const written = writtenBindings(view)
    .filter(
      (other) =>
        other.kind === 'id' &&
        (PCI_ADDRESS.test(other.token)
          ? addresses.includes(normaliseAddress(other.token))
          : devicesFor(other, hardware!).some((device) => members.includes(device))),
    )
    .map((other) => other.token.toLowerCase());
  return {
    fix: 'bind-by-address',
    title: `Bind IOMMU group ${group} (${addresses.map((member) => member.replace(/^0000:/, '')).join(', ')}) by address with driver_override instead`,
    args: { ids: [...new Set(written)].sort(), addresses, specialisation: view.specialisation },
  };
}

export const vfioIdMalformed: Rule = {
  code: VFIO_ID_MALFORMED,
  severity: 'error',
  needsHardware: false,
  acrossViews: true,
  title: 'A vfio-pci id that is not vendor:device hex',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const binding of writtenBindings(view)) {
        if (binding.kind !== 'id' || parseVfioId(binding.token)) continue;
        if (!view.owns(binding.definition)) continue;
        const better = suggestion(binding.token, hardware);
        const looksLikeAddress = /\.[0-7]$/.test(binding.token);
        const replace: FixRequest[] =
          better && binding.exact
            ? [
                {
                  fix: 'replace-vfio-token',
                  title: `Replace "${binding.token}" with "${better.replacement}"`,
                  args: { via: binding.via, token: binding.token, replacement: better.replacement },
                },
              ]
            : [];
        const byAddress: FixRequest[] = PCI_ADDRESS.test(binding.token) && binding.exact ? [bindByAddress(binding, view, hardware)] : [];
        const [fix, ...moreFixes] = [...replace, ...byAddress];
        findings.push({
          code: VFIO_ID_MALFORMED,
          severity: 'error',
          message:
            (looksLikeAddress
              ? `"${binding.token}" is a PCI address, but vfio-pci ids are vendor:device pairs like 10de:13c0. `
              : `"${binding.token}" is not a vfio-pci id (vendor:device in hex, e.g. 10de:13c0, separated by commas). `) +
            `vfio-pci skips it and the device stays with its host driver.` +
            (better ? ` Here ${better.why}.` : looksLikeAddress ? ' To bind by address, write it to driver_override instead.' : ''),
          file: binding.file,
          range: binding.range,
          ...(fix ? { fix } : {}),
          ...(moreFixes.length > 0 ? { moreFixes } : {}),
        });
      }
    }
    return findings;
  },
};
