// Facts from several sections about one address are merged (group from one, driver from
// another). Facts that contradict (two groups, two ids, two drivers for one address) are never
// merged: either the paste holds two listings of one machine (the same devices, e.g. before and
// after a kernel change) and the user says which with `--section N`, or it is an error naming
// the lines.
import { Section, SectionDevice } from './sections';

export interface Contradiction {
  address: string;
  what: 'ids' | 'group' | 'driver' | 'class';
  first: { section: Section; line: number; value: string };
  second: { section: Section; line: number; value: string };
}

export type MergeResult =
  | { ok: true; devices: Map<string, SectionDevice>; dropped: { section: Section; because: Contradiction }[] }
  | { ok: false; kind: 'choose-section' | 'contradiction'; message: string };

const ids = (device: SectionDevice) => (device.vendor && device.device ? `[${device.vendor}:${device.device}]` : undefined);
const driverOf = (device: SectionDevice, section: Section) =>
  device.driver !== undefined ? device.driver : section.showsDrivers && ids(device) ? null : undefined;

/** The first fact of `b` that contradicts `a`, or undefined. */
export function contradiction(a: Section, b: Section): Contradiction | undefined {
  for (const [address, left] of a.devices) {
    const right = b.devices.get(address);
    if (!right) continue;
    const checks: [Contradiction['what'], string | undefined, string | undefined, number, number][] = [
      ['ids', ids(left), ids(right), left.line, right.line],
      ['class', left.classCode, right.classCode, left.line, right.line],
      ['group', left.group?.toString(), right.group?.toString(), left.groupLine ?? left.line, right.groupLine ?? right.line],
      ['driver', stringOrNone(driverOf(left, a)), stringOrNone(driverOf(right, b)), left.driverLine ?? left.line, right.driverLine ?? right.line],
    ];
    for (const [what, x, y, lineX, lineY] of checks) {
      if (x !== undefined && y !== undefined && x !== y) {
        return { address, what, first: { section: a, line: lineX, value: x }, second: { section: b, line: lineY, value: y } };
      }
    }
  }
  return undefined;
}

function stringOrNone(value: string | null | undefined): string | undefined {
  return value === undefined ? undefined : (value ?? 'no driver');
}

function describe(what: Contradiction['what'], value: string): string {
  return what === 'group'
    ? `group ${value}`
    : what === 'class'
      ? `class ${value}`
      : what === 'driver'
        ? value === 'no driver'
          ? 'no driver'
          : `driver ${value}`
        : value;
}

export function sectionLabel(section: Section): string {
  const lines = section.firstLine === section.lastLine ? `line ${section.firstLine}` : `lines ${section.firstLine}–${section.lastLine}`;
  return `section ${section.number} (${lines}${section.command ? `, after \`${section.command}\`` : ''}, ${section.devices.size} device${section.devices.size === 1 ? '' : 's'})`;
}

/** Same machine: at least two addresses in common, and every common address with the same ids. */
function sameMachine(a: Section, b: Section): boolean {
  let common = 0;
  for (const [address, left] of a.devices) {
    const right = b.devices.get(address);
    if (!right) continue;
    if (ids(left) && ids(right) && ids(left) !== ids(right)) return false;
    common++;
  }
  return common >= 2;
}

export function mergeSections(sections: readonly Section[], chosen?: number): MergeResult {
  let kept: Section[];
  const dropped: { section: Section; because: Contradiction }[] = [];
  if (chosen !== undefined) {
    const first = sections.find((section) => section.number === chosen);
    if (!first) {
      return {
        ok: false,
        kind: 'contradiction',
        message: `there is no section ${chosen}: the paste has ${sections.length} section${sections.length === 1 ? '' : 's'} with devices${sections.length ? `:\n${sections.map((section) => `  ${sectionLabel(section)}`).join('\n')}` : ''}`,
      };
    }
    kept = [first];
    for (const section of sections) {
      if (section === first) continue;
      const clash = kept.map((other) => contradiction(other, section)).find(Boolean);
      if (clash) dropped.push({ section, because: clash });
      else kept.push(section);
    }
  } else {
    kept = [...sections];
    for (let i = 0; i < kept.length; i++) {
      for (let j = i + 1; j < kept.length; j++) {
        const clash = contradiction(kept[i]!, kept[j]!);
        if (clash) return refuse(clash, kept[i]!, kept[j]!, sections);
      }
    }
  }
  const devices = new Map<string, SectionDevice>();
  for (const section of kept) {
    for (const [address, device] of section.devices) {
      const merged: SectionDevice = { ...(devices.get(address) ?? { address, line: device.line }) };
      const target = merged as unknown as Record<string, unknown>;
      // A fact keeps the line of the first section that says it; the ids' line is the device's line.
      if (merged.vendor === undefined && device.vendor !== undefined) merged.line = device.line;
      for (const [key, value] of Object.entries(device)) {
        if (value !== undefined && key !== 'address' && key !== 'line' && target[key] === undefined) target[key] = value;
      }
      const driver = driverOf(device, section);
      if (merged.driver === undefined && driver !== undefined) merged.driver = driver;
      devices.set(address, merged);
    }
  }
  return { ok: true, devices, dropped };
}

function refuse(clash: Contradiction, a: Section, b: Section, sections: readonly Section[]): MergeResult {
  const said = `line ${clash.first.line} gives ${clash.address} ${describe(clash.what, clash.first.value)}, line ${clash.second.line} gives it ${describe(clash.what, clash.second.value)}`;
  const listing = sections.map((section) => `  ${sectionLabel(section)}`).join('\n');
  if (clash.what !== 'ids' && clash.what !== 'class' && sameMachine(a, b)) {
    return {
      ok: false,
      kind: 'choose-section',
      message:
        `the paste holds more than one listing of the same machine, and they disagree: ${said}.\n` +
        `Say which listing to use with --section N (sections that agree with it are merged into it):\n${listing}`,
    };
  }
  return {
    ok: false,
    kind: 'contradiction',
    message: `the paste contradicts itself: ${said}${clash.what === 'ids' ? ' (two different machines?)' : ''}. Paste one machine's listing, or choose one with --section N:\n${listing}`,
  };
}
