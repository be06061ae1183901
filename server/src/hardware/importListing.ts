// Reads hardware from text a user pasted or saved on another machine: the IOMMU-group scripts
// (the guide's one-line and heading forms, the tab-separated form with reset marks and USB
// devices, ls-iommu), `lspci -nn`, `-nnk`, `-vnn`, kernel log lines, /proc/cpuinfo, lscpu,
// /proc/cmdline and `uname`, in any mix, quoted or bulleted in markdown or numbered by a paste
// site. It never guesses: every line it does not use is reported with why, contradictions stop
// it (listing/merge.ts), and every fact it infers says what from (`inferredFrom`).
import { progIfFromName } from './pciClasses';
import { mergeSections, sectionLabel } from './listing/merge';
import { ListingFacts, readSections, Section, SectionDevice, SkippedLine } from './listing/sections';
import { CpuVendor, HardwareSnapshot, PciDevice, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot';

export type { SkippedLine } from './listing/sections';

export interface ImportOptions {
  host?: string;
  /** Which listing to use when the paste holds several that disagree (1-based, as the error lists them). */
  section?: number;
  /** The CPU vendor as the user states it; beats anything inferred. */
  cpuVendor?: 'intel' | 'amd';
}

export interface ListingSectionSummary {
  number: number;
  firstLine: number;
  lastLine: number;
  label: string;
}

export type ImportResult =
  | {
      ok: true;
      snapshot: HardwareSnapshot;
      /** Every line not used, with its number and why. */
      skipped: SkippedLine[];
      sections: ListingSectionSummary[];
      /** Sections left out because they disagree with the chosen one. */
      dropped: { section: number; reason: string }[];
    }
  | { ok: false; kind: 'choose-section' | 'contradiction' | 'nothing-usable'; message: string; skipped: SkippedLine[]; sections: ListingSectionSummary[] };

export function importListing(text: string, options: ImportOptions = {}): ImportResult {
  const { sections, facts, skipped, contradictions } = readSections(text);
  const summaries = sections.map((section) => ({
    number: section.number,
    firstLine: section.firstLine,
    lastLine: section.lastLine,
    label: sectionLabel(section),
  }));
  if (contradictions.length > 0) {
    return { ok: false, kind: 'contradiction', message: `the paste contradicts itself: ${contradictions.join('; ')}`, skipped, sections: summaries };
  }
  const merged = mergeSections(sections, options.section);
  if (!merged.ok) return { ok: false, kind: merged.kind, message: merged.message, skipped, sections: summaries };
  const inferredFrom: Record<string, string> = {};
  const devices: PciDevice[] = [];
  const lineOf = new Map<string, number>();
  for (const device of [...merged.devices.values()].sort((a, b) => a.address.localeCompare(b.address))) {
    if (device.vendor === undefined || device.device === undefined || device.classCode === undefined) {
      // Only a kernel-log group line: an address with a group but no ids or class to check against.
      skipped.push({
        line: device.line,
        text: lineText(text, device.line),
        reason: `${device.address} has a group here, but no line of the paste gives its ids and class`,
      });
      continue;
    }
    lineOf.set(device.address, device.line);
    devices.push(toPciDevice(device, devices.length, inferredFrom));
  }
  skipped.sort((a, b) => a.line - b.line);
  if (devices.length === 0) {
    const firstUnread = skipped.slice(0, 5).map((entry) => `  line ${entry.line}: ${entry.text.trim()}  (${entry.reason})`);
    return {
      ok: false,
      kind: 'nothing-usable',
      message:
        'no PCI devices found. Paste the output of `lspci -nnk` or of an IOMMU-group script' +
        (firstUnread.length ? `; the first lines not read:\n${firstUnread.join('\n')}` : ' (the text is empty)'),
      skipped,
      sections: summaries,
    };
  }
  const cpu = cpuFacts(devices, lineOf, facts, options.cpuVendor, inferredFrom);
  if ('error' in cpu) return { ok: false, kind: 'contradiction', message: cpu.error, skipped, sections: summaries };
  applyBootVga(devices, facts, skipped, text, inferredFrom);
  const sawGroups = devices.some((device) => device.iommuGroup !== null);
  const kernel = {
    ...(facts.release ? { release: facts.release.value } : {}),
    ...(facts.cmdline ? { cmdline: facts.cmdline.value } : {}),
  };
  if (facts.release) inferredFrom['kernel.release'] = `line ${facts.release.line}`;
  if (facts.cmdline) inferredFrom['kernel.cmdline'] = `line ${facts.cmdline.line}`;
  const snapshot: HardwareSnapshot = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    source: { kind: sawGroups ? 'iommu-script' : 'lspci', ...(options.host ? { host: options.host } : {}) },
    cpu: cpu.cpu,
    ...(Object.keys(kernel).length ? { kernel } : {}),
    // Groups in the listing mean the IOMMU was on; lspci alone does not tell.
    iommu: { active: sawGroups ? true : null },
    devices,
    ...(Object.keys(inferredFrom).length ? { inferredFrom } : {}),
  };
  return {
    ok: true,
    snapshot,
    skipped,
    sections: summaries,
    dropped: merged.dropped.map(({ section, because }) => ({
      section: section.number,
      reason: `${sectionLabel(section)} left out: line ${because.second.line} gives ${because.address} another ${because.what} than line ${because.first.line}`,
    })),
  };
}

function lineText(text: string, line: number): string {
  return text.split(/\r?\n|\r/)[line - 1] ?? '';
}

function toPciDevice(device: SectionDevice, index: number, inferredFrom: Record<string, string>): PciDevice {
  let progIf = device.progIf;
  if (progIf === undefined) {
    const stated = progIfFromName(device.classCode!, device.deviceName ?? '');
    if (stated) {
      progIf = stated.progIf;
      inferredFrom[`devices[${index}].class`] = `programming interface ${stated.progIf}: ${stated.because} (line ${device.line})`;
    }
  }
  const result: PciDevice = {
    address: device.address,
    vendor: device.vendor!,
    device: device.device!,
    // Without prog-if (lspci without -v) and a name that states it, the interface is taken as 00.
    class: `${device.classCode}${progIf ?? '00'}`,
    iommuGroup: device.group ?? null,
  };
  if (device.subsystemVendor && device.subsystemDevice)
    Object.assign(result, { subsystemVendor: device.subsystemVendor, subsystemDevice: device.subsystemDevice });
  if (device.driver !== undefined) result.driver = device.driver;
  if (device.kernelModules) result.kernelModules = device.kernelModules;
  if (device.vendorName) result.vendorName = device.vendorName;
  if (device.deviceName) result.deviceName = device.deviceName;
  if (device.resetSupported !== undefined) result.resetSupported = device.resetSupported;
  if (device.usbDevices) result.usbDevices = device.usbDevices;
  return result;
}

const VENDOR_NAMES = { intel: 'Intel', amd: 'AMD' } as const;

/**
 * The CPU vendor, in order: what the user says, /proc/cpuinfo or lscpu, the host bridges (the
 * root complex is made by the CPU's vendor: 8086 Intel, 1022 AMD), the kernel's IOMMU driver
 * (DMAR is Intel VT-d's ACPI table, AMD-Vi AMD's IOMMU). Sources that disagree are an error.
 */
function cpuFacts(
  devices: PciDevice[],
  lineOf: Map<string, number>,
  facts: ListingFacts,
  stated: 'intel' | 'amd' | undefined,
  inferredFrom: Record<string, string>,
): { cpu: HardwareSnapshot['cpu'] } | { error: string } {
  const claims: { vendor: 'intel' | 'amd'; from: string }[] = [];
  for (const fact of facts.cpuVendor)
    claims.push({ vendor: fact.value, from: `${fact.value === 'intel' ? 'GenuineIntel' : 'AuthenticAMD'} on line ${fact.line}` });
  const hostBridges = devices.filter((device) => device.class.startsWith('0600') && (device.vendor === '8086' || device.vendor === '1022'));
  for (const bridge of hostBridges) {
    claims.push({
      vendor: bridge.vendor === '8086' ? 'intel' : 'amd',
      from: `host bridge ${bridge.address} [${bridge.vendor}:${bridge.device}] is ${bridge.vendor === '8086' ? 'Intel' : 'AMD'} (line ${lineOf.get(bridge.address)})`,
    });
  }
  for (const fact of facts.iommuLogVendor)
    claims.push({ vendor: fact.value, from: `the kernel log's ${fact.value === 'intel' ? 'DMAR (Intel VT-d)' : 'AMD-Vi'} line ${fact.line}` });
  let vendor: CpuVendor = 'unknown';
  if (stated) {
    vendor = stated;
    inferredFrom['cpu.vendor'] = 'stated with --cpu-vendor';
  } else if (claims.length > 0) {
    const other = claims.find((claim) => claim.vendor !== claims[0]!.vendor);
    if (other) {
      return {
        error: `the paste names two CPU vendors: ${claims[0]!.from} says ${VENDOR_NAMES[claims[0]!.vendor]}, ${other.from} says ${VENDOR_NAMES[other.vendor]} (two machines?). Paste one machine, or say which with --cpu-vendor intel|amd`,
      };
    }
    vendor = claims[0]!.vendor;
    inferredFrom['cpu.vendor'] = claims[0]!.from + (claims.length > 1 ? ` (and ${claims.length - 1} more agreeing)` : '');
  }
  const cpu: HardwareSnapshot['cpu'] = { vendor, virtualization: facts.virtualization?.value ?? null };
  if (facts.virtualization) inferredFrom['cpu.virtualization'] = `line ${facts.virtualization.line}`;
  if (facts.cpuModel) {
    cpu.model = facts.cpuModel.value;
    inferredFrom['cpu.model'] = `line ${facts.cpuModel.line}`;
  }
  return { cpu };
}

function applyBootVga(devices: PciDevice[], facts: ListingFacts, skipped: SkippedLine[], text: string, inferredFrom: Record<string, string>): void {
  for (const { value, line } of facts.bootVga) {
    const index = devices.findIndex((device) => device.address === value.address);
    if (index < 0) {
      skipped.push({ line, text: lineText(text, line), reason: `boot GPU fact about ${value.address}, which no device line of the paste lists` });
      continue;
    }
    // vgaarb picks one boot VGA device; a later "setting as boot VGA device" overrides an earlier one.
    if (value.boot) for (const device of devices) if (device.bootVga) delete device.bootVga;
    devices[index]!.bootVga = value.boot;
    inferredFrom[`devices[${index}].bootVga`] = `line ${line}`;
  }
  skipped.sort((a, b) => a.line - b.line);
}

export type { Section };
