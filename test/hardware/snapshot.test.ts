// Validation of snapshot files: each broken field is reported with its JSON path, and that path
// leads to the place in the file where the editor puts the diagnostic.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { locateJsonPath } from '../../server/src/hardware/jsonLocate';
import { parseSnapshot } from '../../server/src/hardware/snapshot';
import { FIXTURES } from '../helpers';

const GOOD = readFileSync(join(FIXTURES, 'machines', 'twin-gpus.json'), 'utf8');

/** A broken copy of a good snapshot, the problem paths expected, and the text each path must point at. */
const BROKEN: { name: string; mutate: (data: any) => void; expected: [string, string | undefined][] }[] = [
  { name: 'a version from the future', mutate: (data) => (data.version = 3), expected: [['version', '3']] },
  { name: 'an unknown source kind', mutate: (data) => (data.source.kind = 'lshw'), expected: [['source.kind', '"lshw"']] },
  { name: 'no source', mutate: (data) => delete data.source, expected: [['source.kind', undefined]] },
  { name: 'a host that is no string', mutate: (data) => (data.source.host = 7), expected: [['source.host', '7']] },
  { name: 'a CPU vendor in capitals', mutate: (data) => (data.cpu.vendor = 'AMD'), expected: [['cpu.vendor', '"AMD"']] },
  { name: 'an unknown virtualisation flag', mutate: (data) => (data.cpu.virtualization = 'vt-x'), expected: [['cpu.virtualization', '"vt-x"']] },
  { name: 'a kernel release as a number', mutate: (data) => (data.kernel.release = 6.12), expected: [['kernel.release', '6.12']] },
  { name: 'a kernel that is a string', mutate: (data) => (data.kernel = '6.12.10'), expected: [['kernel', '"6.12.10"']] },
  { name: 'IOMMU state as a string', mutate: (data) => (data.iommu.active = 'yes'), expected: [['iommu.active', '"yes"']] },
  { name: 'a short address', mutate: (data) => (data.devices[1].address = '01:00.0'), expected: [['devices[1].address', '"01:00.0"']] },
  { name: 'an address twice', mutate: (data) => (data.devices[2].address = '0000:01:00.0'), expected: [['devices[2].address', '"0000:01:00.0"']] },
  { name: 'a vendor in capitals', mutate: (data) => (data.devices[3].vendor = '10DE'), expected: [['devices[3].vendor', '"10DE"']] },
  { name: 'a 16-bit class', mutate: (data) => (data.devices[3].class = '0300'), expected: [['devices[3].class', '"0300"']] },
  { name: 'a group as a string', mutate: (data) => (data.devices[4].iommuGroup = '20'), expected: [['devices[4].iommuGroup', '"20"']] },
  { name: 'a driver override that is no name', mutate: (data) => (data.devices[4].driverOverride = true), expected: [['devices[4].driverOverride', 'true']] },
  { name: 'a device name that is a list', mutate: (data) => (data.devices[0].deviceName = ['GPP']), expected: [['devices[0].deviceName', '[']] },
  {
    name: 'several problems at once',
    mutate: (data) => {
      data.format = 'lspci';
      data.devices[0].bootVga = 'no';
      data.devices[1].subsystemVendor = 1043;
    },
    expected: [
      ['format', '"lspci"'],
      ['devices[0].bootVga', '"no"'],
      ['devices[1].subsystemVendor', '1043'],
    ],
  },
];

describe('snapshot validation', () => {
  it('accepts a good snapshot', () => {
    assert.ok(parseSnapshot(GOOD).ok);
  });

  for (const { name, mutate, expected } of BROKEN) {
    it(`reports ${name} at its JSON path`, () => {
      const data = JSON.parse(GOOD);
      mutate(data);
      const text = JSON.stringify(data, null, 2);
      const result = parseSnapshot(text);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(
        result.problems.map((problem) => problem.path),
        expected.map(([path]) => path),
      );
      for (const [path, written] of expected) {
        const range = locateJsonPath(text, path);
        if (written === undefined) continue; // nothing written there: shown at the top of the file
        assert.ok(range, `${path} is found in the file`);
        assert.equal(text.slice(range.start, range.start + written.length), written, `${path} points at its value`);
      }
    });
  }

  it('reports text that is no JSON, and JSON that is no object', () => {
    const broken = parseSnapshot('{ "format": ');
    assert.ok(!broken.ok && broken.problems[0]!.path === '' && /not valid JSON/.test(broken.problems[0]!.message));
    const list = parseSnapshot('[]');
    assert.ok(!list.ok && list.problems[0]!.message === 'a snapshot is a JSON object');
  });
});
