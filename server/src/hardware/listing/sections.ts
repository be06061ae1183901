// Reads a pasted text as a sequence of sections: group listings, lspci blocks, kernel log lines,
// /proc/cpuinfo, lscpu, /proc/cmdline, `uname` output, prose. A group heading applies only to the
// device lines directly under it; a prompt, a fence, prose, a blank line or a device line of
// another shape ends it. A section that lists an address it already listed starts a new
// section: one listing shows each device once, so a repeat is another listing.
import { classCodeOfName } from '../pciClasses';
import { UsbDevice } from '../snapshot';
import { DeviceLine, LineShape, readLine } from './lines';

export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
}

/** What one section says about one address; only what it shows is set. */
export interface SectionDevice extends Partial<Omit<DeviceLine, 'address'>> {
  address: string;
  /** The line the device's ids came from (undefined for a kernel-log group line). */
  line: number;
  group?: number;
  groupLine?: number;
  driver?: string | null;
  driverLine?: number;
  kernelModules?: string[];
  subsystemVendor?: string;
  subsystemDevice?: string;
  usbDevices?: UsbDevice[];
}

export type SectionStyle = 'lspci' | 'grouped' | 'heading' | 'tab' | 'kernel-log';

export interface Section {
  /** 1-based, in the order of the paste; only sections with devices are numbered. */
  number: number;
  firstLine: number;
  lastLine: number;
  style: SectionStyle;
  /** The command of the prompt line just above it, when there was one. */
  command?: string;
  devices: Map<string, SectionDevice>;
  /** lspci -k: a device without a `Kernel driver in use` line has none bound. */
  showsDrivers: boolean;
}

export interface Fact<T> {
  value: T;
  line: number;
}

export interface ListingFacts {
  cpuVendor: Fact<'intel' | 'amd'>[];
  /** Which IOMMU the kernel log shows (DMAR: Intel VT-d; AMD-Vi: AMD). */
  iommuLogVendor: Fact<'intel' | 'amd'>[];
  cpuModel?: Fact<string>;
  virtualization?: Fact<'vmx' | 'svm'>;
  cmdline?: Fact<string>;
  release?: Fact<string>;
  bootVga: Fact<{ address: string; boot: boolean }>[];
}

export interface ReadSections {
  sections: Section[];
  facts: ListingFacts;
  skipped: SkippedLine[];
  /** Two lines of one device block that give it different groups: never resolved by picking one. */
  contradictions: string[];
}

const FULL = (address: string) => (/^[0-9a-f]{4}:/.test(address) ? address : `0000:${address}`);
const LOG_ADDRESS = '((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])';

export function readSections(text: string): ReadSections {
  const lines = text.split(/\r?\n|\r/);
  const sections: Section[] = [];
  const skipped: SkippedLine[] = [];
  const facts: ListingFacts = { cpuVendor: [], iommuLogVendor: [], bootVga: [] };
  const contradictions: string[] = [];
  let section: Section | undefined;
  let current: SectionDevice | undefined;
  let heading: { group: number; line: number; devices: number; indented?: boolean; indent?: number } | undefined;
  let tabGroup: { group: number; line: number } | undefined;
  let previousKind: LineShape['kind'] | undefined;
  let command: string | undefined;
  let commandAnswered = false;

  const skip = (line: number, reason: string) => skipped.push({ line, text: lines[line - 1] ?? '', reason });
  const closeHeading = () => {
    if (heading && heading.devices === 0) skip(heading.line, 'a group heading with no device line directly under it');
    heading = undefined;
  };
  const endSection = () => {
    closeHeading();
    current = undefined;
    tabGroup = undefined;
    if (section && section.devices.size > 0) {
      // A listing that marks devices with reset support (`[RESET]`) says no reset for those it does not mark.
      const marksResets = [...section.devices.values()].some((device) => device.resetSupported === true);
      if (marksResets) for (const device of section.devices.values()) device.resetSupported ??= false;
      sections.push(section);
    }
    section = undefined;
  };
  const startSection = (style: SectionStyle, line: number) => {
    const [keepHeading, keepTabGroup] = [heading, tabGroup];
    endSection();
    [heading, tabGroup] = [keepHeading, keepTabGroup];
    section = {
      number: sections.length + 1,
      firstLine: line,
      lastLine: line,
      style,
      ...(command ? { command } : {}),
      devices: new Map(),
      showsDrivers: command !== undefined && /\blspci\b.*\s-\w*k/.test(command),
    };
  };
  /** The section a device of `style` goes into: the open one, or a new one when the shape changed or the address repeats. */
  const sectionFor = (style: SectionStyle, address: string, line: number): Section => {
    if (!section || section.style !== style || section.devices.has(address)) startSection(style, line);
    section!.lastLine = line;
    return section!;
  };
  const addDevice = (style: SectionStyle, device: DeviceLine, line: number, group: number | undefined, groupLine: number | undefined) => {
    const into = sectionFor(style, device.address, line);
    const entry: SectionDevice = { ...device, line, ...(group === undefined ? {} : { group, groupLine }) };
    into.devices.set(device.address, entry);
    current = entry;
  };

  lines.forEach((raw, index) => {
    const number = index + 1;
    const shape = readLine(raw, classCodeOfName);
    const wasPrevious = previousKind;
    previousKind = shape.kind;
    switch (shape.kind) {
      case 'blank':
        // Like a heading, a `Group N:` line covers only the continuation lines directly under it.
        closeHeading();
        current = undefined;
        tabGroup = undefined;
        return;
      case 'fence':
      case 'prompt':
        endSection();
        command = shape.kind === 'prompt' ? shape.command : undefined;
        commandAnswered = false;
        return;
      case 'markdown-heading':
      case 'script':
        endSection();
        command = undefined;
        skip(number, shape.kind === 'script' ? 'shell script text, not its output' : 'a markdown heading');
        return;
      case 'heading':
        closeHeading();
        if (!section || section.style !== 'heading') startSection('heading', number);
        current = undefined;
        heading = { group: shape.group, line: number, devices: 0 };
        return;
      case 'device': {
        const { device } = shape;
        if (device.classCode === undefined) {
          skip(number, 'a device line whose class name is not one lspci prints');
          current = undefined;
          previousKind = 'other';
          return;
        }
        if (shape.style === 'grouped') return addDevice('grouped', device, number, shape.group, number);
        if (shape.style === 'tab') {
          tabGroup = { group: shape.group!, line: number };
          return addDevice('tab', device, number, shape.group, number);
        }
        if (shape.style === 'tab-continued') {
          if (section?.style !== 'tab' || tabGroup === undefined || !(wasPrevious === 'device' || wasPrevious === 'usb')) {
            skip(number, 'a continuation line of the tab-separated group listing with no `Group N:` line above it');
            current = undefined;
            previousKind = 'other';
            return;
          }
          return addDevice('tab', device, number, tabGroup.group, tabGroup.line);
        }
        if (heading && (heading.indented === undefined || heading.indented === shape.indented)) {
          heading.devices++;
          heading.indented = shape.indented;
          heading.indent = shape.indent;
          return addDevice('heading', device, number, heading.group, heading.line);
        }
        closeHeading();
        return addDevice('lspci', device, number, undefined, undefined);
      }
      case 'usb':
        if (current && section?.style === 'tab' && (wasPrevious === 'device' || wasPrevious === 'usb')) {
          current.usbDevices = [...(current.usbDevices ?? []), { vendor: shape.vendor, product: shape.product, ...(shape.name ? { name: shape.name } : {}) }];
          section.lastLine = number;
        } else {
          skip(number, 'a USB device line with no USB controller line directly above it');
        }
        return;
      case 'detail':
        // Under a heading, a device's details are indented deeper than it (`lspci -nnks` in the
        // script); a detail line that is not, or one with no device, is another shape of block.
        if (heading && (!current || shape.indent <= (heading.indent ?? 0))) closeHeading();
        if (!current || !section) {
          skip(number, 'an lspci detail line with no device line above it');
          return;
        }
        section.lastLine = number;
        applyDetail(current, section, shape.key, shape.value, number, contradictions);
        return;
      case 'kernel-log':
        closeHeading();
        readKernelLog(shape.message, number);
        return;
      case 'cpuinfo':
      case 'lscpu':
        endSection();
        if (!readCpuLine(shape.kind, shape.key, shape.value, number, facts))
          skip(number, `a ${shape.kind === 'cpuinfo' ? '/proc/cpuinfo' : 'lscpu'} line with nothing the checks use`);
        return;
      case 'boot-vga-file':
        facts.bootVga.push({ value: { address: FULL(shape.address), boot: shape.value === '1' }, line: number });
        return;
      case 'other':
        if (readCommandAnswer(raw.trim(), number)) return;
        endSection();
        command = undefined;
        skip(number, 'not a line of any listing this import reads');
        return;
    }
  });
  endSection();
  return { sections, facts, skipped, contradictions };

  function readKernelLog(message: string, number: number): void {
    current = undefined;
    const joined = new RegExp(`^\\S+ ${LOG_ADDRESS}: Adding to iommu group (\\d+)\\s*$`).exec(message);
    if (joined) {
      const address = FULL(joined[1]!.toLowerCase());
      const into = sectionFor('kernel-log', address, number);
      const known = into.devices.get(address);
      into.devices.set(address, { ...(known ?? { address, line: number }), group: Number(joined[2]), groupLine: number });
      return;
    }
    const found = new RegExp(`^pci ${LOG_ADDRESS}: \\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\\] type \\w+ class 0x([0-9a-fA-F]{6})\\b`).exec(message);
    if (found) {
      const address = FULL(found[1]!.toLowerCase());
      const into = sectionFor('kernel-log', address, number);
      const classCode = found[4]!.toLowerCase();
      into.devices.set(address, {
        ...(into.devices.get(address) ?? {}),
        address,
        line: number,
        vendor: found[2]!.toLowerCase(),
        device: found[3]!.toLowerCase(),
        classCode: classCode.slice(0, 4),
        progIf: classCode.slice(4),
      });
      return;
    }
    const bootVga = new RegExp(`^\\S+ ${LOG_ADDRESS}: vgaarb: setting as boot VGA device`).exec(message);
    if (bootVga) return void facts.bootVga.push({ value: { address: FULL(bootVga[1]!.toLowerCase()), boot: true }, line: number });
    const cmdline = /^(?:Kernel command line|Command line):\s*(.*)$/.exec(message);
    if (cmdline) return void (facts.cmdline = { value: cmdline[1]!.trim(), line: number });
    const version = /^Linux version (\S+)/.exec(message);
    if (version) return void (facts.release = { value: version[1]!, line: number });
    if (/^DMAR:/.test(message)) return void facts.iommuLogVendor.push({ value: 'intel', line: number });
    if (/^AMD-Vi:/.test(message)) return void facts.iommuLogVendor.push({ value: 'amd', line: number });
    skip(number, 'a kernel log line with nothing about PCI devices, groups, the boot GPU or the kernel');
  }

  /** Output of `cat /proc/cmdline`, `uname -r|-a`, `cat /proc/version`, recognised by the prompt above or by its shape. */
  function readCommandAnswer(text: string, number: number): boolean {
    const line = text.replace(/^`+|`+$/g, '');
    const asked = commandAnswered ? undefined : command;
    if ((asked && /\/proc\/cmdline/.test(asked)) || /^(BOOT_IMAGE=|initrd=)\S/.test(line) || /(^|\s)init=\/nix\/store\/\S+/.test(line)) {
      facts.cmdline = { value: line, line: number };
      commandAnswered = true;
      return true;
    }
    const version =
      /^Linux version (\S+)/.exec(line) ??
      /^Linux \S+ (\d+\.\d+\S*) #/.exec(line) ??
      (asked && /\buname\b.*-r/.test(asked) ? /^(\d+\.\d+[\w.+-]*)$/.exec(line) : null);
    if (version) {
      facts.release = { value: version[1]!, line: number };
      commandAnswered = true;
      return true;
    }
    return false;
  }
}

function applyDetail(device: SectionDevice, section: Section, key: string, value: string, line: number, contradictions: string[]): void {
  if (key === 'Kernel driver in use') {
    device.driver = value;
    device.driverLine = line;
    section.showsDrivers = true;
  } else if (key === 'Kernel modules') {
    device.kernelModules = value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    section.showsDrivers = true;
  } else if (key === 'Subsystem') {
    const ids = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s*$/.exec(value);
    if (ids) {
      device.subsystemVendor = ids[1]!.toLowerCase();
      device.subsystemDevice = ids[2]!.toLowerCase();
    }
  } else if (key === 'Flags' || key === 'IOMMU group') {
    // lspci -v ends `Flags:` with `IOMMU group 16`; lspci -vv prints `IOMMU group: 16`.
    const group = key === 'Flags' ? /\bIOMMU group (\d+)\b/.exec(value)?.[1] : /^(\d+)$/.exec(value)?.[1];
    if (group !== undefined && device.group !== undefined && device.group !== Number(group)) {
      contradictions.push(`line ${device.groupLine} gives ${device.address} group ${device.group}, line ${line} gives it group ${group}`);
    } else if (group !== undefined) {
      device.group = Number(group);
      device.groupLine = line;
    }
  }
}

function readCpuLine(kind: 'cpuinfo' | 'lscpu', key: string, value: string, line: number, facts: ListingFacts): boolean {
  const vendorKey = kind === 'cpuinfo' ? 'vendor_id' : 'Vendor ID';
  if (key === vendorKey) {
    const vendor = value === 'GenuineIntel' ? 'intel' : value === 'AuthenticAMD' ? 'amd' : undefined;
    if (vendor) facts.cpuVendor.push({ value: vendor, line });
    return vendor !== undefined;
  }
  if (key === (kind === 'cpuinfo' ? 'model name' : 'Model name')) {
    facts.cpuModel ??= { value, line };
    return true;
  }
  if (kind === 'cpuinfo' && key === 'flags') {
    const flags = value.split(/\s+/);
    const virtualization = flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : undefined;
    if (virtualization) facts.virtualization ??= { value: virtualization, line };
    return virtualization !== undefined;
  }
  if (kind === 'lscpu' && /^Virtuali[sz]ation$/.test(key)) {
    const virtualization = value === 'VT-x' ? 'vmx' : value === 'AMD-V' ? 'svm' : undefined;
    if (virtualization) facts.virtualization ??= { value: virtualization, line };
    return virtualization !== undefined;
  }
  return false;
}
