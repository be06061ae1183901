// Which modules a boot script's `modprobe` commands insert (vfio/scripts.ts modprobedModules):
// the first name, every name after -a, none when removing or only printing (kmod tools/modprobe.c).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modprobedModules } from '../server/src/vfio/scripts';

const loaded = (script: string) => modprobedModules(script).map((load) => load.module);

describe('modprobe commands in boot scripts', () => {
  it('reads the module a command inserts, - read as _', () => {
    assert.deepEqual(loaded('modprobe -i vfio-pci'), ['vfio_pci']);
    assert.deepEqual(loaded('/run/current-system/sw/bin/modprobe vfio-pci ids=10de:1b80'), ['vfio_pci']);
    assert.deepEqual(loaded('if [ -e /dev/x ]; then modprobe vfio_pci; fi'), ['vfio_pci']);
  });

  it('reads every name after -a, and only the first without it (the rest are parameters)', () => {
    assert.deepEqual(loaded('modprobe -a vfio vfio_iommu_type1 vfio-pci'), ['vfio', 'vfio_iommu_type1', 'vfio_pci']);
    assert.deepEqual(loaded('modprobe -qa vfio vfio_pci'), ['vfio', 'vfio_pci']);
    assert.deepEqual(loaded('modprobe vfio_iommu_type1 vfio_pci'), ['vfio_iommu_type1']);
  });

  it('skips the argument of -C, -d and -S', () => {
    assert.deepEqual(loaded('modprobe -C /etc/vfio.conf vfio-pci'), ['vfio_pci']);
    assert.deepEqual(loaded('modprobe -C/etc/vfio.conf vfio-pci'), ['vfio_pci']);
    assert.deepEqual(loaded('modprobe --config /etc/vfio.conf vfio-pci'), ['vfio_pci']);
    assert.deepEqual(loaded('modprobe -w 500 vfio-pci'), ['vfio_pci']);
  });

  it('inserts nothing when removing, printing, commented out or only echoed', () => {
    assert.deepEqual(loaded('modprobe -r vfio_pci'), []);
    assert.deepEqual(loaded('modprobe --dry-run vfio-pci'), []);
    assert.deepEqual(loaded('modprobe -D vfio-pci'), []);
    assert.deepEqual(loaded('modprobe --remove-holders vfio_pci'), []);
    assert.deepEqual(loaded('# modprobe -i vfio-pci'), []);
    assert.deepEqual(loaded('echo "modprobe vfio-pci" > /dev/kmsg'), []);
  });

  it('names no module it cannot read', () => {
    assert.deepEqual(loaded('modprobe $MODULE vfio-pci'), []);
  });
});
