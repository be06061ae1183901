// vfio-pci's `ids` takes vendor:device[:subvendor[:subdevice[:class[:mask]]]] in hex. A PCI
// address (`0000:02:00.0`), a `;` separator or a stray word makes vfio-pci skip the entry
// (it logs "vfio_pci: invalid id string"), so the device stays with its host driver.
import { HardwareSnapshot } from '../hardware/snapshot';
import { idOf } from './facts/devices';
import { normaliseAddress, parseVfioId, vfioBindings } from './facts/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_ID_MALFORMED = 'vfio-id-malformed';

function suggestion(token: string, hardware: HardwareSnapshot | undefined): { replacement: string; why: string } | undefined {
  if (/^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(token)) {
    const device = hardware?.devices.find((candidate) => candidate.address === normaliseAddress(token));
    if (device) return { replacement: idOf(device), why: `the device at ${token} has id ${idOf(device)}` };
    return undefined;
  }
  const parts = token.split(/[;\s]+/).filter(Boolean);
  if (parts.length > 1 && parts.every((part) => parseVfioId(part))) return { replacement: parts.join(','), why: 'ids are separated by commas' };
  return undefined;
}

export const vfioIdMalformed: Rule = {
  code: VFIO_ID_MALFORMED,
  severity: 'error',
  title: 'A vfio-pci id that is not vendor:device hex',
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const binding of vfioBindings(view)) {
        if (binding.kind !== 'id' || parseVfioId(binding.token)) continue;
        if (!view.owns(binding.definition)) continue;
        const better = suggestion(binding.token, hardware);
        const looksLikeAddress = /\.[0-7]$/.test(binding.token);
        const fix: FixRequest | undefined =
          better && binding.exact
            ? { fix: 'replace-vfio-token', title: `Replace "${binding.token}" with "${better.replacement}"`, args: { via: binding.via, token: binding.token, replacement: better.replacement } }
            : undefined;
        findings.push({
          code: VFIO_ID_MALFORMED,
          severity: 'error',
          message:
            (looksLikeAddress
              ? `"${binding.token}" is a PCI address, but vfio-pci ids are vendor:device pairs like 10de:13c0. `
              : `"${binding.token}" is not a vfio-pci id (vendor:device in hex, e.g. 10de:13c0, separated by commas). `) +
            `vfio-pci skips it and the device stays with its host driver.` +
            (better ? ` Here ${better.why}.` : looksLikeAddress ? ' To bind by address, write it to driver_override instead.' : ''),
          file: binding.definition.file,
          range: binding.range,
          fix,
        });
      }
    }
    return findings;
  },
};
