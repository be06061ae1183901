// Fuzzing the import with every pasted format: listings mutated line by line (lines dropped,
// repeated, swapped, unindented, indented, blanked, prose and prompts inserted, digits changed,
// characters inserted) never crash it, always give a valid snapshot or a reason, and never put a
// device into a group that no line of the mutated text gives it: the group is on the device's own
// line, on a heading or `Group N:` line reached upwards through device lines only, or on an
// lspci -v `Flags:`/`IOMMU group:` line of the device's own block.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importListing } from '../../server/src/hardware/importListing';
import { validateSnapshot } from '../../server/src/hardware/snapshot';
import { REPO_ROOT } from '../helpers';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2000) / 2;
const LISTINGS = join(REPO_ROOT, 'test', 'hardware', 'listings');

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  '',
  'hmm, and then:',
  '$ lspci -nnk',
  '```',
  '## Output',
  '\tKernel driver in use: vfio-pci',
  'IOMMU Group 7:',
  '[    0.4] pci 0000:01:00.0: Adding to iommu group 3',
];

function mutateLines(lines: string[], next: () => number): string[] {
  const copy = [...lines];
  const at = Math.floor(next() * copy.length);
  switch (Math.floor(next() * 9)) {
    case 0:
      copy.splice(at, 1);
      break;
    case 1:
      copy.splice(at, 0, copy[at] ?? '');
      break;
    case 2:
      if (at + 1 < copy.length) [copy[at], copy[at + 1]] = [copy[at + 1]!, copy[at]!];
      break;
    case 3:
      copy[at] = (copy[at] ?? '').trimStart();
      break;
    case 4:
      copy[at] = `\t${copy[at] ?? ''}`;
      break;
    case 5:
      copy.splice(at, 0, INSERTS[Math.floor(next() * INSERTS.length)]!);
      break;
    case 6:
      copy[at] = (copy[at] ?? '').replace(/\d/, () => String(Math.floor(next() * 10)));
      break;
    case 7: {
      const line = copy[at] ?? '';
      const cut = Math.floor(next() * (line.length + 1));
      copy[at] = line.slice(0, cut) + '[]:. \t>*`'[Math.floor(next() * 9)] + line.slice(cut);
      break;
    }
    default:
      copy[at] = '';
  }
  return copy;
}

const ADDRESS = /(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])/;
const full = (match: RegExpExecArray) => `${(match[1] ?? '0000').toLowerCase()}:${match[2]!.toLowerCase()}:${match[3]!.toLowerCase()}.${match[4]}`;
const GROUP_ON_LINE = /\b(?:IOMMU\s+)?[Gg]roup:?\s+0*(\d+)\b/g;

/** Groups a line names, loosely (any `group N` on it). */
function groupsOn(line: string): number[] {
  return [...line.matchAll(GROUP_ON_LINE)].map((match) => Number(match[1]));
}

/** Every group some line of the text could give `address`: a loose upper bound of what the import may say. */
function groupsTheTextGives(pasted: string[], address: string): Set<number> {
  const groups = new Set<number>();
  // As markdown renders them: inline code marks and bold markers are no text.
  const lines = pasted.map((line) => line.replace(/`|\*\*|__/g, ''));
  lines.forEach((line, index) => {
    const match = ADDRESS.exec(line);
    if (!match || full(match) !== address) return;
    for (const group of groupsOn(line)) groups.add(group);
    // Upwards through lines that hold a device (or USB/detail lines) to a heading or `Group N:` line.
    for (let up = index - 1; up >= 0; up--) {
      const above = lines[up]!;
      for (const group of groupsOn(above)) groups.add(group);
      if (!ADDRESS.test(above) && !/^\s*(>\s*)*(USB:|\s)/.test(above)) break;
    }
    // Downwards through the device's own indented lines (lspci -v `Flags: … IOMMU group N`).
    // lspci's detail keys are read even where quoting ate their indentation.
    const inBlock = (line: string) =>
      /^\s*(>\s*)*(\s+\S|(Subsystem|Flags|Kernel driver in use|Kernel modules|Memory at|I\/O ports at|Capabilities|Expansion ROM at|IOMMU group)\b)/.test(line);
    for (let down = index + 1; down < lines.length && inBlock(lines[down]!) && !ADDRESS.test(lines[down]!.replace(/\[[^\]]*\]/g, '')); down++) {
      for (const group of groupsOn(lines[down]!)) groups.add(group);
    }
  });
  return groups;
}

describe('import fuzzing over every pasted format', () => {
  const names = readdirSync(LISTINGS).sort();

  it(`mutated listings never crash, always give a valid snapshot or a reason, and never a group their lines do not give (${ITERATIONS} cases)`, () => {
    const next = random(19);
    let imported = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const name = names[i % names.length]!;
      let lines = readFileSync(join(LISTINGS, name), 'utf8').split('\n');
      for (let round = 1 + Math.floor(next() * 5); round > 0; round--) lines = mutateLines(lines, next);
      const text = lines.join('\n');
      const result = importListing(text, next() < 0.2 ? { section: 1 + Math.floor(next() * 3) } : {});
      if (!result.ok) {
        assert.ok(result.message.length > 0, `a refusal says why (${name}):\n${text}`);
        continue;
      }
      imported++;
      assert.ok(validateSnapshot(result.snapshot).ok, `a valid snapshot (${name}):\n${text}`);
      for (const line of result.skipped) assert.equal(line.text, text.split(/\r?\n|\r/)[line.line - 1], 'a skipped line is quoted as it is');
      for (const device of result.snapshot.devices) {
        if (device.iommuGroup === null) continue;
        const possible = groupsTheTextGives(lines, device.address);
        assert.ok(
          possible.has(device.iommuGroup),
          `${name}: ${device.address} was put in group ${device.iommuGroup}, but its lines give ${[...possible].join(', ') || 'none'}:\n${text}`,
        );
      }
    }
    assert.ok(imported > ITERATIONS / 4, `most mutated listings still import (${imported} of ${ITERATIONS})`);
  });

  it('the oracle can fail: a device pulled under a heading it is not directly under is caught', () => {
    const lines = [
      'IOMMU Group 1:',
      '\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [10de:2484]',
      '$ lspci -nnk',
      '02:00.0 Ethernet controller [0200]: Intel Corporation I211 Gigabit Network Connection [8086:1539]',
    ];
    assert.deepEqual([...groupsTheTextGives(lines, '0000:01:00.0')], [1]);
    assert.deepEqual([...groupsTheTextGives(lines, '0000:02:00.0')], [], 'a prompt between the heading and the device line stops the search');
  });
});
