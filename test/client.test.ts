// What the IOMMU Groups view says about a group and what its actions take from it
// (client/src/groups.ts, the part of the view that needs no VS Code), on recorded machines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceDescription, groupDescription, groupIds, groupLead } from '../client/src/groups';
import { iommuGroups, isIsolatedGroup } from '../server/src/hardware/snapshot';
import { loadMachine } from './ruleFixtures';

function group(machine: string, number: number) {
  const devices = iommuGroups(loadMachine(machine)).get(number);
  assert.ok(devices, `${machine} has IOMMU group ${number}`);
  return devices;
}

describe('IOMMU Groups view', () => {
  it('a GPU alone in its group: isolated, its two ids, the GPU leads', () => {
    const devices = group('guide-desktop', 33);
    assert.equal(isIsolatedGroup(devices), true);
    assert.equal(groupDescription(devices, true), 'isolated · 2 devices · GM204 [GeForce GTX 980]');
    assert.deepEqual(groupIds(devices), ['10de:13c0', '10de:0fbb']);
    assert.equal(groupLead(devices)?.address, '0000:0f:00.0');
  });

  it('a GPU behind the chipset bridge with an NVMe drive: shared; bridges neither count nor get copied', () => {
    const devices = group('intel-laptop-shared', 1);
    assert.equal(isIsolatedGroup(devices), false);
    assert.equal(groupDescription(devices, false), 'shared · 5 devices · GA106M [GeForce RTX 3060 Mobile / Max-Q]');
    assert.deepEqual(groupIds(devices), ['10de:2520', '10de:228e', '144d:a80a'], 'the GPU, its audio and the NVMe drive; not the two bridges');
    assert.equal(groupLead(devices)?.address, '0000:01:00.0');
    const bridge = devices.find((device) => device.class.startsWith('0604'))!;
    assert.match(deviceDescription(bridge), /· bridge$/);
    assert.equal(groupLead([bridge]), undefined, 'a group of bridges has nothing to pass through');
  });

  it('a device line shows ids, class, current driver and the boot GPU', () => {
    const igpu = group('intel-laptop-shared', 0).find((device) => device.address === '0000:00:02.0')!;
    assert.equal(deviceDescription(igpu), `[${igpu.vendor}:${igpu.device}] · class 0300 · driver i915 · boot GPU`);
    assert.equal(deviceDescription({ ...igpu, driver: null, bootVga: false }), `[${igpu.vendor}:${igpu.device}] · class 0300 · no driver`);
  });
});
