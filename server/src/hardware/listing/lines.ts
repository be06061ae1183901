// One pasted line, read on its own: what shape it has and what it says. The section reader
// (sections.ts) decides from the lines around it what the facts apply to.

/** A device as one line shows it. Only what the line prints is set. */
export interface DeviceLine {
  address: string;
  vendor: string;
  device: string;
  /** Class and subclass, four hex digits, when the line prints them (or its class name is known). */
  classCode?: string;
  /** Programming interface when printed (`prog-if 30`). */
  progIf?: string;
  vendorName?: string;
  deviceName?: string;
  /** Whether the line marks reset support (`[R]`, `[RESET]`); undefined when the format does not say. */
  resetSupported?: boolean;
}

export type LineShape =
  | { kind: 'blank' }
  | { kind: 'fence' }
  | { kind: 'prompt'; command: string }
  | { kind: 'script' }
  | { kind: 'heading'; group: number }
  /** `style` tells listings apart: a change of style starts a new section. */
  | { kind: 'device'; style: 'lspci' | 'grouped' | 'tab' | 'tab-continued'; group?: number; indented: boolean; indent: number; device: DeviceLine }
  | { kind: 'usb'; vendor: string; product: string; name?: string }
  | { kind: 'detail'; key: string; value: string; indented: boolean; indent: number }
  | { kind: 'kernel-log'; message: string }
  | { kind: 'cpuinfo'; key: string; value: string }
  | { kind: 'lscpu'; key: string; value: string }
  | { kind: 'boot-vga-file'; address: string; value: string }
  | { kind: 'markdown-heading' }
  | { kind: 'other' };

const HEX4 = '[0-9a-fA-F]{4}';
const ADDRESS = '(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])';
/** `lspci -nn`: `01:00.0 VGA compatible controller [0300]: NVIDIA … [10de:2206] (rev a1) (prog-if 00 [VGA controller])`. ls-iommu prints no colon after the class. */
const LSPCI = new RegExp(
  `^${ADDRESS}\\s+(.+?)\\s+\\[([0-9a-fA-F]{4})\\]:?\\s+(.*?)\\s*\\[(${HEX4}):(${HEX4})\\](?:\\s+\\(rev\\s+[0-9a-fA-F]+\\))?(?:\\s+\\(prog-if\\s+([0-9a-fA-F]{2})[^)]*\\))?\\s*$`,
);
/** The guide's one-line script and ls-iommu: `IOMMU Group 33 0f:00.0 …`, `IOMMU Group  16: 0000:06:00.0 …`. */
const GROUP_PREFIX = /^IOMMU\s+[Gg]roup\s+(\d+)\s*:?\s+(?=\S)/;
/** Group headings: `IOMMU Group 1:`, `IOMMU group 13`, `Group 4:`, `### Group 4 ###`, `IOMMU Group 01:`. */
const HEADING = /^(?:#{1,6}\s*)?(?:IOMMU\s+)?[Gg]roup\s+(\d+)\s*:?\s*(?:#{1,6})?$/;
/** The tab-separated script: `Group 1:\t[8086:4c01] [R] 00:01.0  PCI bridge   Name`, continuation lines without the `Group N:`. */
const TAB = new RegExp(`^(?:Group\\s+(\\d+):)?\\s*\\[(${HEX4}):(${HEX4})\\]\\s+(\\[R\\]\\s+)?${ADDRESS}\\s+(\\S.*)$`);
const USB = new RegExp(`^USB:\\s+\\[(${HEX4}):(${HEX4})\\]\\s+(?:Bus\\s+\\d+\\s+Device\\s+\\d+:?\\s*)?(?:ID\\s+\\S+\\s+)?(.*?)\\s*$`);
const KERNEL_LOG = /^(?:\[\s*\d+\.\d+\]\s*|[A-Z][a-z]{2}\s+\d+\s+[\d:]+\s+\S+\s+kernel:\s+|kernel:\s+)(.*)$/;
/** Keys lspci prints under a device (-k, -v, -vv); recognised even when quoting ate the indentation. */
const DETAIL_KEYS =
  /^(?:(Memory at|I\/O ports at|Expansion ROM at)\s+(.*)|(Subsystem|Kernel driver in use|Kernel modules|DeviceName|Physical Slot|Flags|Control|Status|Latency|Interrupt|NUMA node|IOMMU group|Region \d+|Capabilities|Bus|I\/O behind bridge|Memory behind bridge|Prefetchable memory behind bridge|Secondary status|BridgeCtl):\s*(.*))$/;
const SHELL_WORDS =
  /^(sudo|doas|lspci|ls-iommu|cat|dmesg|journalctl|uname|lscpu|grep|for|bash|sh|zsh|find|echo|printf|nix|nix-shell|nix-info|\.{0,2}\/\S+|~\/\S+|iommu\S*\.sh|ls)\b/;
/** Shell prompts: `user@host:~$ `, `[user@host ~]$ `, `$ `, `# `, `% `, `❯ `, `» `, `bash-5.2$ `. */
const PROMPT = /^(?:[\w.-]+@[\w.-]+(?::\S*)?\s*[$#%]|\[[^\]]*\][$#]|[\w.~/:-]+[$#%>❯]|[$#%❯»>])(?:\s+(.*))?$/;
const SCRIPT = /^((for|do|done|then|fi|if|echo|printf|shopt|while|local|n=|g=|d=|#!)\b|n=|#!|\}|\{)/;

/**
 * The line without the markdown and paste-site decoration it came in: block quotes (nested),
 * paste-site line numbers (`12. `), list bullets, bold/italic wrappers and inline code marks.
 * Leading whitespace after them is kept: indentation tells device lines from their details.
 */
export function undecorated(raw: string): string {
  let line = raw.replace(/\r$/, '').replace(/^\s*(?:>\s?)+/, '');
  line = line.replace(/^\s*\d{1,5}[.)]\s(?=\s*\S)/, '');
  line = line.replace(/^\s*[-*+•]\s+(?=\S)/, '');
  line = line.replace(/\*\*|__/g, '').replace(/`/g, '');
  const wrapped = /^(\s*)[*_](\S.*\S|\S)[*_]\s*$/.exec(line);
  if (wrapped) line = wrapped[1]! + wrapped[2]!;
  return line.replace(/\s+$/, '');
}

function deviceFrom(match: RegExpExecArray, at: number): Pick<DeviceLine, 'address'> {
  const [domain, bus, slot, fn] = [match[at], match[at + 1], match[at + 2], match[at + 3]];
  return { address: `${(domain ?? '0000').toLowerCase()}:${bus!.toLowerCase()}:${slot!.toLowerCase()}.${fn}` };
}

/** Vendor names as lspci prints them, to split "Vendor Device" descriptions. */
const VENDOR_NAME =
  /^(.*?(?:Corporation|Corp\.|Inc\.|Ltd\.?|Limited|Technology|Technologies|Semiconductor|Electronics|Micro Devices, Inc\.|Co\.)(?:,?\s+(?:Co\.?,?\s+)?(?:Ltd\.?|Inc\.?|Limited))?(?:\s+\[[^\]]+\])?)\s+(.+)$/;
/** Vendors whose pci.ids names end in none of the words above. */
const KNOWN_VENDORS = [
  'Broadcom Inc. and subsidiaries',
  'Broadcom / LSI',
  'Creative Labs',
  'Texas Instruments',
  'Red Hat, Inc.',
  'Xilinx Corporation',
  'Samsung Electronics Co Ltd',
  'Kingston Technology Company, Inc.',
  'ASMedia Technology Inc.',
  'Aquantia Corp.',
  'Micron/Crucial Technology',
  'Phison Electronics Corporation',
  'Sandisk Corp',
  'SK hynix',
  'Qualcomm Atheros',
  'Qualcomm',
  'MEDIATEK Corp.',
  'Etron Technology, Inc.',
  'Renesas Technology Corp.',
  'VIA Technologies, Inc.',
  'Fresco Logic',
  'Marvell Technology Group Ltd.',
  'Toshiba Corporation',
  'Silicon Motion, Inc.',
  'Sony Corporation',
];

/** "Vendor Device" as lspci prints it, split where the vendor's name ends; "Device" alone is no name. */
export function splitNames(description: string): Pick<DeviceLine, 'vendorName' | 'deviceName'> {
  const named = (name: string) => (name === 'Device' || name === '' || /^Device [0-9a-fA-F]{4}$/.test(name) ? {} : { deviceName: name });
  const known = KNOWN_VENDORS.find((vendor) => description.startsWith(`${vendor} `));
  if (known) return { vendorName: known, ...named(description.slice(known.length + 1)) };
  const names = VENDOR_NAME.exec(description);
  return names ? { vendorName: names[1], ...named(names[2]!) } : named(description);
}

/** The class-name and name columns of the tab-separated script (padded with spaces; pasting may have collapsed them). */
function splitClassColumn(columns: string, classCode: (name: string) => string | undefined): { className: string; name: string } {
  const padded = /^(.+?)(?:\s{2,}|\t+)(.*)$/.exec(columns.trim());
  if (padded && classCode(padded[1]!.trim())) return { className: padded[1]!.trim(), name: padded[2]!.trim() };
  const words = columns.trim().split(/\s+/);
  for (let count = Math.min(words.length, 6); count > 0; count--) {
    const candidate = words.slice(0, count).join(' ');
    if (classCode(candidate)) return { className: candidate, name: words.slice(count).join(' ') };
  }
  return padded ? { className: padded[1]!.trim(), name: padded[2]!.trim() } : { className: columns.trim(), name: '' };
}

export function readLine(raw: string, classCode: (name: string) => string | undefined): LineShape {
  // Fences before the decoration goes: undecorated() drops backticks.
  if (/^\s*(?:>\s?)*\s*(```|~~~)/.test(raw)) return { kind: 'fence' };
  const line = undecorated(raw);
  const text = line.trim();
  const indented = /^\s/.test(line);
  /** Leading whitespace, a tab counting as one: details are indented deeper than their device. */
  const indent = /^\s*/.exec(line)![0].length;
  if (text === '') return { kind: 'blank' };
  const log = KERNEL_LOG.exec(text);
  if (log) return { kind: 'kernel-log', message: log[1]! };
  const grouped = GROUP_PREFIX.exec(text);
  const rest = grouped ? text.slice(grouped[0].length) : text;
  const lspci = LSPCI.exec(rest);
  if (lspci) {
    const [, , , , , className, code, description, vendor, device, progIf] = lspci;
    void className;
    return {
      kind: 'device',
      style: grouped ? 'grouped' : 'lspci',
      ...(grouped ? { group: Number(grouped[1]) } : {}),
      indented,
      indent,
      device: {
        ...deviceFrom(lspci, 1),
        vendor: vendor!.toLowerCase(),
        device: device!.toLowerCase(),
        classCode: code!.toLowerCase(),
        ...(progIf ? { progIf: progIf.toLowerCase() } : {}),
        ...splitNames(description!),
      },
    };
  }
  // ls-reset style: `[RESET]\t00:01.0 …` under an `IOMMU group N` heading; a line without the mark has no reset.
  const reset = /^\[RESET\]\s*(.*)$/.exec(text);
  if (reset) {
    const inner = readLine(reset[1]!, classCode);
    if (inner.kind === 'device') return { ...inner, indented: true, indent: Math.max(inner.indent, 1), device: { ...inner.device, resetSupported: true } };
  }
  const heading = HEADING.exec(text);
  if (heading) return { kind: 'heading', group: Number(heading[1]) };
  const tab = TAB.exec(text);
  if (tab) {
    const [, group, vendor, device, resetMark] = tab;
    const { className, name } = splitClassColumn(tab[9]!, classCode);
    return {
      kind: 'device',
      style: group === undefined ? 'tab-continued' : 'tab',
      ...(group === undefined ? {} : { group: Number(group) }),
      indented,
      indent,
      device: {
        ...deviceFrom(tab, 5),
        vendor: vendor!.toLowerCase(),
        device: device!.toLowerCase(),
        ...(classCode(className) ? { classCode: classCode(className) } : {}),
        // lspci -mm prints the device name without its vendor: no split.
        ...(name === 'Device' || /^Device [0-9a-fA-F]{4}$/.test(name) ? {} : { deviceName: name }),
        resetSupported: resetMark !== undefined,
      },
    };
  }
  const usb = USB.exec(text);
  if (usb) return { kind: 'usb', vendor: usb[1]!.toLowerCase(), product: usb[2]!.toLowerCase(), ...(usb[3] ? { name: usb[3] } : {}) };
  const bootVga = /^\/sys\/(?:bus\/pci\/devices|devices\/\S*)\/((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\/boot_vga:\s*([01])$/.exec(text);
  if (bootVga) return { kind: 'boot-vga-file', address: bootVga[1]!.toLowerCase(), value: bootVga[2]! };
  const cpuinfo = /^([a-z][a-z0-9 _]*?)\t+:\s?(.*)$/.exec(line);
  if (cpuinfo) return { kind: 'cpuinfo', key: cpuinfo[1]!.trim(), value: cpuinfo[2]!.trim() };
  // lscpu pads its keys to a column; lspci's details have one space after the colon.
  const lscpu = indented ? null : /^([A-Z][\w ()/.-]*?):\s{2,}(\S.*)$/.exec(text);
  if (
    lscpu &&
    /^(Architecture|CPU op-mode|Address sizes|Byte Order|CPU\(s\)|On-line CPU|Vendor ID|Model name|CPU family|Model|Thread\(s\) per core|Core\(s\) per|Socket\(s\)|Stepping|Frequency boost|CPU (max|min) MHz|CPU scaling|BogoMIPS|Flags|Virtuali[sz]ation|L1d|L1i|L2|L3|NUMA|Vulnerability)/.test(
      lscpu[1]!,
    )
  ) {
    return { kind: 'lscpu', key: lscpu[1]!, value: lscpu[2]!.trim() };
  }
  const detail = DETAIL_KEYS.exec(text);
  if (detail) return { kind: 'detail', key: (detail[1] ?? detail[3])!, value: (detail[2] ?? detail[4])!.trim(), indented, indent };
  const prompt = PROMPT.exec(text);
  if (prompt && (prompt[1] === undefined || SHELL_WORDS.test(prompt[1]))) return { kind: 'prompt', command: prompt[1] ?? '' };
  if (/^#{1,6}\s/.test(text)) return { kind: 'markdown-heading' };
  if (SCRIPT.test(text) || /^\s*(lspci|sudo)\b/.test(text)) return { kind: 'script' };
  return { kind: 'other' };
}
