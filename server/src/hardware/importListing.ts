// Reads hardware from text a user pastes or saved on another machine: `lspci -nn`, `lspci -nnk`,
// `lspci -nnkq`, and the IOMMU-group script of the NixOS VFIO guide (`IOMMU Group 33 0f:00.0 …`,
// also the `IOMMU Group 33:` heading form). Blank lines, markdown fences and shell prompts are
// passed over; any other line it cannot read is reported with its number, never dropped silently.
import { CpuVendor, HardwareSnapshot, PciDevice, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot';

export interface ImportResult {
  snapshot: HardwareSnapshot;
  /** 1-based line numbers and text of lines that were not understood. */
  unreadLines: { line: number; text: string }[];
}

const DEVICE_LINE =
  /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\s+(.+?)\s+\[([0-9a-fA-F]{4})\]:\s+(.*?)\s*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\](?:\s+\(rev\s+[0-9a-fA-F]+\))?(?:\s+\(prog-if\s+([0-9a-fA-F]{2})[^)]*\))?\s*$/;
const GROUP_PREFIX = /^IOMMU\s+[Gg]roup\s+(\d+)\s*:?\s*/;
/** Lines around a listing that carry no device: fences, headings, shell prompts, the script itself. */
const IGNORED = [
  /^\s*$/,
  /^\s*(```|~~~)/,
  /^\s*(\$|#{1,6}|%|❯|»)(\s|$)/,
  /^\s*\[[^\]]*\][$#](\s|$)/,
  /^\s*\w[\w.-]*@[\w.-]+(:\S*)?[$#%](\s|$)/,
  /^\s*[\w.~/:-]+[$#%>❯]\s+(sudo\s+)?(lspci|for|bash|sh|\.?\/\S+)\b/,
  /^\s*((for|do|done|echo|printf|shopt|lspci|sudo)\b|n=|#!)/,
];
/** Vendor names as lspci prints them, longest first, to split "Vendor Device" descriptions. */
const VENDOR_SUFFIX = /^(.*?(?:Corporation|Corp\.|Inc\.|Ltd\.?|Technology|Technologies|Semiconductor|Electronics|Micro Devices, Inc\.)(?:,?\s+Co\.?,?\s+Ltd\.?)?(?:\s+\[[^\]]+\])?)\s+(.+)$/;

/**
 * The line without the markdown it was pasted in: block quotes (`> `, nested), list bullets and
 * inline code marks. A quoted listing is still a listing and must be read, not passed over.
 */
function withoutMarkdown(raw: string): string {
  return raw.replace(/^\s*(?:>\s?)+/, '').replace(/^\s*[-*+]\s+/, '').replace(/`/g, '');
}

/** lspci prints `Device` for an id its pci.ids does not know: that is no name. */
function deviceName(name: string): { deviceName?: string } {
  return name === 'Device' || name === '' ? {} : { deviceName: name };
}

export function importListing(text: string, host?: string): ImportResult {
  const devices = new Map<string, PciDevice>();
  const unreadLines: ImportResult['unreadLines'] = [];
  let current: PciDevice | undefined;
  let headingGroup: number | null = null;
  let sawGroups = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = withoutMarkdown(raw);
    if (IGNORED.some((pattern) => pattern.test(line))) return;
    // lspci indents these under their device; quoting may have eaten the indentation.
    const kernelLine = /^\s*(Subsystem|Kernel driver in use|Kernel modules|DeviceName|Physical Slot|Flags|Control|Status)\s*:\s*(.*)$/.exec(line);
    if (kernelLine) {
      if (!current) {
        unreadLines.push({ line: index + 1, text: raw });
        return;
      }
      if (kernelLine[1] === 'Kernel driver in use') current.driver = kernelLine[2].trim();
      if (kernelLine[1] === 'Subsystem') {
        const ids = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s*$/.exec(kernelLine[2]);
        if (ids) {
          current.subsystemVendor = ids[1].toLowerCase();
          current.subsystemDevice = ids[2].toLowerCase();
        }
      }
      return;
    }
    let rest = line.trim();
    let group: number | null = headingGroup;
    const prefix = GROUP_PREFIX.exec(rest);
    if (prefix) {
      sawGroups = true;
      group = Number(prefix[1]);
      rest = rest.slice(prefix[0].length);
      if (rest === '') {
        headingGroup = group; // `IOMMU Group 33:` heading, devices follow on their own lines
        return;
      }
    }
    const match = DEVICE_LINE.exec(rest);
    if (!match) {
      unreadLines.push({ line: index + 1, text: raw });
      current = undefined;
      return;
    }
    const [, domain, bus, slot, fn, , classCode, description, vendor, device, progIf] = match;
    const address = `${(domain ?? '0000').toLowerCase()}:${bus.toLowerCase()}:${slot.toLowerCase()}.${fn}`;
    const names = VENDOR_SUFFIX.exec(description);
    const entry: PciDevice = devices.get(address) ?? {
      address,
      vendor: vendor.toLowerCase(),
      device: device.toLowerCase(),
      // lspci -nn shows class and subclass; the programming interface only with -v (prog-if).
      class: `${classCode.toLowerCase()}${(progIf ?? '00').toLowerCase()}`,
      iommuGroup: null,
      ...(names ? { vendorName: names[1], ...deviceName(names[2]) } : deviceName(description)),
    };
    if (group !== null) entry.iommuGroup = group;
    devices.set(address, entry);
    current = entry;
  });
  const all = [...devices.values()].sort((a, b) => a.address.localeCompare(b.address));
  const cpuVendor: CpuVendor = 'unknown';
  return {
    snapshot: {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      source: { kind: sawGroups ? 'iommu-script' : 'lspci', host },
      cpu: { vendor: cpuVendor, virtualization: null },
      // Groups in the listing mean the IOMMU was on; lspci alone does not tell.
      iommu: { active: sawGroups ? true : null },
      devices: all,
    },
    unreadLines,
  };
}
