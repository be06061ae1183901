// Pasted listings (lspci -nn/-nnk and the guide's IOMMU-group script) for fixture machines:
// the devices, classes, groups, drivers and names they give, and the lines they could not read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importListing } from '../../server/src/hardware/importListing';
import { HardwareSnapshot, validateSnapshot } from '../../server/src/hardware/snapshot';
import { REPO_ROOT } from '../helpers';
import { loadMachine } from '../ruleFixtures';

const LISTINGS = join(REPO_ROOT, 'test', 'hardware', 'listings');

/** What a listing can tell about a device, from the recorded machine. */
function visible(snapshot: HardwareSnapshot, { groups, drivers }: { groups: boolean; drivers: boolean }) {
  return snapshot.devices.map((device) => ({
    address: device.address,
    id: `${device.vendor}:${device.device}`,
    // lspci -nn shows class and subclass; the programming interface only for prog-if devices.
    class: device.class.slice(0, 4),
    group: groups ? device.iommuGroup : null,
    driver: drivers ? device.driver : undefined,
    name: [device.vendorName, device.deviceName].join(' '),
  }));
}

function read(name: string, host?: string) {
  const result = importListing(readFileSync(join(LISTINGS, name), 'utf8'), host);
  assert.ok(validateSnapshot(result.snapshot).ok, 'an import is a valid snapshot');
  return result;
}

describe('import of pasted listings', () => {
  it('reads the guide script output, with groups, past markdown fences and the prompt', () => {
    const { snapshot, unreadLines } = read('guide-desktop.iommu-script.txt');
    const expected = visible(loadMachine('guide-desktop'), { groups: true, drivers: false });
    assert.deepEqual(visible(snapshot, { groups: true, drivers: false }), expected);
    assert.equal(snapshot.source.kind, 'iommu-script');
    assert.equal(snapshot.iommu.active, true);
    assert.equal(snapshot.devices.find((device) => device.address === '0000:00:14.0')?.class, '0c0330', 'prog-if is kept');
    assert.deepEqual(unreadLines, [{ line: 1, text: 'Here is the output of the script from the guide:' }]);
  });

  it('reads lspci -nnk with drivers and subsystems, and reports the line it cannot read', () => {
    const { snapshot, unreadLines } = read('amd-desktop.lspci-nnk.txt');
    assert.deepEqual(visible(snapshot, { groups: false, drivers: true }), visible(loadMachine('amd-desktop'), { groups: false, drivers: true }));
    assert.equal(snapshot.devices[1].subsystemVendor, '1458');
    assert.equal(snapshot.iommu.active, null, 'lspci alone does not tell whether the IOMMU is on');
    assert.deepEqual(unreadLines, [{ line: 23, text: 'this line is not lspci output' }]);
  });

  it('reads the heading form of the group script', () => {
    const { snapshot, unreadLines } = read('chipset-group.headings.txt');
    assert.deepEqual(visible(snapshot, { groups: true, drivers: false }), visible(loadMachine('chipset-group'), { groups: true, drivers: false }));
    assert.deepEqual(unreadLines, []);
  });

  it('reads lspci -nn -D (with PCI domains) and keeps the programming interface it prints', () => {
    const { snapshot, unreadLines } = read('intel-laptop-shared.lspci-nn-D.txt');
    assert.deepEqual(visible(snapshot, { groups: false, drivers: false }), visible(loadMachine('intel-laptop-shared'), { groups: false, drivers: false }));
    assert.equal(snapshot.devices[5].class, '010802');
    assert.deepEqual(unreadLines, []);
  });

  it('reports every line of text that is no listing', () => {
    const { snapshot, unreadLines } = importListing('hello\n\nworld\n');
    assert.equal(snapshot.devices.length, 0);
    assert.deepEqual(unreadLines.map((entry) => entry.line), [1, 3]);
  });
});
