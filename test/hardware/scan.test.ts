// The sysfs scanner on fixture machines built as sysfs trees, and on broken ones.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { lookupNames, pciIdsCandidates, readPciIds } from '../../server/src/hardware/pciIds';
import { scanSysfs } from '../../server/src/hardware/scanSysfs';
import { HardwareSnapshot, validateSnapshot } from '../../server/src/hardware/snapshot';
import { FIXTURES } from '../helpers';
import { loadMachine } from '../ruleFixtures';
import { pciIdsFor, writeSysfsTree } from './sysfsTree';

const MACHINES = readdirSync(join(FIXTURES, 'machines'))
  .map((name) => name.replace(/\.json$/, ''))
  .sort();

function withoutSource(snapshot: HardwareSnapshot): unknown {
  return JSON.parse(JSON.stringify({ ...snapshot, source: undefined, version: undefined }));
}

describe('sysfs scan', () => {
  const all = MACHINES.map(loadMachine);
  for (const name of MACHINES) {
    it(`gives back the ${name} machine`, () => {
      const machine = loadMachine(name);
      const root = writeSysfsTree(machine);
      try {
        writeFileSync(join(root, 'pci.ids'), pciIdsFor(all));
        const result = scanSysfs(root, { pciIds: [join(root, 'missing.ids'), join(root, 'pci.ids')], host: 'fixture' });
        assert.ok(result.snapshot, 'a snapshot');
        assert.deepEqual(result.warnings, []);
        assert.ok(validateSnapshot(result.snapshot).ok, 'the scan is a valid snapshot');
        assert.equal(result.snapshot.source.kind, 'sysfs');
        assert.deepEqual(withoutSource(result.snapshot), withoutSource(machine));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('names nothing without a pci.ids, and says why there is no snapshot without /sys', () => {
    const machine = loadMachine('amd-desktop');
    const root = writeSysfsTree(machine);
    try {
      const result = scanSysfs(root, { pciIds: [] });
      assert.ok(result.snapshot);
      assert.ok(result.snapshot.devices.every((device) => device.deviceName === undefined && device.vendorName === undefined));
      const none = scanSysfs(join(root, 'nothing-here'));
      assert.equal(none.snapshot, undefined);
      assert.match('reason' in none ? none.reason : '', /does not exist \(not Linux, or a container without \/sys\)/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('gives no snapshot, but a reason, when sysfs lists no PCI device or none can be read', () => {
    const root = writeSysfsTree(loadMachine('iommu-off'));
    try {
      const bus = join(root, 'sys/bus/pci/devices');
      for (const address of readdirSync(bus)) unlinkSync(join(join(root, 'sys/devices/pci0000:00', address), 'vendor'));
      const unreadable = scanSysfs(root, { pciIds: [] });
      assert.equal(unreadable.snapshot, undefined);
      assert.match('reason' in unreadable ? unreadable.reason : '', /none of the 3 PCI devices in .* could be read/);
      assert.equal(unreadable.warnings.length, 3);
      for (const address of readdirSync(bus)) unlinkSync(join(bus, address));
      const empty = scanSysfs(root, { pciIds: [] });
      assert.equal(empty.snapshot, undefined);
      assert.match('reason' in empty ? empty.reason : '', /lists no PCI devices \(a container or sandbox\)/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('skips a device that vanished or cannot be read, with a warning, and keeps the rest', () => {
    const machine = loadMachine('amd-desktop');
    const root = writeSysfsTree(machine);
    try {
      const pci = join(root, 'sys/devices/pci0000:00');
      unlinkSync(join(pci, '0000:0b:00.2', 'vendor')); // as if unplugged between listing and reading
      rmSync(join(pci, '0000:0b:00.3', 'class'));
      mkdirSync(join(pci, '0000:0b:00.3', 'class')); // reading a directory fails (EISDIR), as unreadable files do
      rmSync(join(pci, '0000:0c:00.0', 'iommu_group'));
      mkdirSync(join(pci, '0000:0c:00.0', 'iommu_group')); // a link that cannot be read; the group listing still knows it
      rmSync(join(root, 'proc/cpuinfo'));
      const result = scanSysfs(root, { pciIds: [] });
      assert.ok(result.snapshot);
      assert.deepEqual(
        result.snapshot.devices.map((device) => device.address),
        ['0000:00:01.1', '0000:0b:00.0', '0000:0b:00.1', '0000:0c:00.0'],
      );
      assert.equal(result.snapshot.devices[3]?.iommuGroup, 28);
      assert.equal(result.snapshot.cpu.vendor, 'unknown');
      assert.deepEqual(
        result.warnings.map((warning) => warning.replace(/\(.*\)/, '(…)')),
        [
          '0000:0b:00.2: skipped, its vendor, device or class could not be read',
          '0000:0b:00.3: class cannot be read (…)',
          '0000:0b:00.3: skipped, its vendor, device or class could not be read',
          '0000:0c:00.0: iommu_group link cannot be read (…)',
          '/proc/cpuinfo cannot be read; the CPU vendor is unknown',
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports a device list that is no directory as the reason, not a crash', () => {
    const root = writeSysfsTree(loadMachine('guide-desktop'));
    try {
      rmSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
      writeFileSync(join(root, 'sys/bus/pci/devices'), '');
      const result = scanSysfs(root);
      assert.equal(result.snapshot, undefined);
      assert.match('reason' in result ? result.reason : '', /devices cannot be read: ENOTDIR/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports an unreadable device list as the reason, not a crash (as root: scanned by a child that drops to nobody)', () => {
    const root = writeSysfsTree(loadMachine('guide-desktop'));
    try {
      // mkdtemp makes the folder private; the unprivileged scanner must be able to walk to the device list.
      chmodSync(root, 0o755);
      chmodSync(join(root, 'sys/bus/pci/devices'), 0);
      const result = process.getuid?.() === 0 ? scanAsNobody(root) : scanSysfs(root);
      assert.equal(result.snapshot, undefined);
      assert.match('reason' in result ? result.reason : '', /devices cannot be read \(permission denied\)/);
    } finally {
      chmodSync(join(root, 'sys/bus/pci/devices'), 0o755);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds pci.ids in Debian and hwdata places, and beside the lspci on PATH (NixOS) without running it', () => {
    const root = mkdtempSync(join(tmpdir(), 'nix-vfio-pciids-'));
    try {
      // NixOS: /run/current-system/sw/bin/lspci links into the store; pciutils keeps pci.ids in $out/share.
      const store = join(root, 'nix/store/abc-pciutils-3.14.0');
      mkdirSync(join(store, 'bin'), { recursive: true });
      mkdirSync(join(store, 'share'));
      const ran = join(root, 'lspci-was-run');
      writeFileSync(join(store, 'bin/lspci'), `#!/bin/sh\ntouch ${ran}\n`, { mode: 0o755 });
      writeFileSync(join(store, 'share/pci.ids'), '10de  NVIDIA Corporation\n\t2204  GA102 [GeForce RTX 3090]\n');
      mkdirSync(join(root, 'sw/bin'), { recursive: true });
      symlinkSync(join(store, 'bin/lspci'), join(root, 'sw/bin/lspci'));
      // An lspci that cannot be executed earlier on PATH is not the one the user runs.
      mkdirSync(join(root, 'other'));
      writeFileSync(join(root, 'other/lspci'), '', { mode: 0o644 });
      const candidates = pciIdsCandidates(root, [join(root, 'missing'), join(root, 'other'), join(root, 'sw/bin')].join(delimiter));
      assert.deepEqual(candidates, [
        join(root, 'usr/share/misc/pci.ids'),
        join(root, 'usr/share/hwdata/pci.ids'),
        join(root, 'run/current-system/sw/share/hwdata/pci.ids'),
        join(store, 'share/pci.ids'),
        join(store, 'share/hwdata/pci.ids'),
      ]);
      assert.equal(readPciIds(candidates)?.path, join(store, 'share/pci.ids'));
      assert.equal(existsSync(ran), false, 'lspci is only located, never run');
      // Debian's place comes first when it exists. The file is UTF-8; an old Latin-1 copy still reads.
      mkdirSync(join(root, 'usr/share/misc'), { recursive: true });
      writeFileSync(join(root, 'usr/share/misc/pci.ids'), '15cf  Hilscher Gesellschaft für Systemautomation mbH\n', 'utf8');
      const debian = readPciIds(pciIdsCandidates(root, ''));
      assert.equal(debian?.path, join(root, 'usr/share/misc/pci.ids'));
      assert.equal(lookupNames(debian.text, ['15cf:0000']).vendors.get('15cf'), 'Hilscher Gesellschaft für Systemautomation mbH');
      writeFileSync(join(root, 'usr/share/misc/pci.ids'), Buffer.from('15cf  Gesellschaft f\xfcr\n', 'latin1'));
      utimesSync(join(root, 'usr/share/misc/pci.ids'), new Date(), new Date(Date.now() + 5000)); // seen as changed, not taken from the cache
      assert.equal(lookupNames(readPciIds([join(root, 'usr/share/misc/pci.ids')])!.text, ['15cf:0000']).vendors.get('15cf'), 'Gesellschaft für');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('looks up only the wanted names in pci.ids, skipping subsystem lines and classes', () => {
    const text = pciIdsFor([loadMachine('guide-desktop')]);
    const names = lookupNames(text, ['10de:13c0', '8086:2f02']);
    assert.deepEqual(
      [...names.devices],
      [
        ['8086:2f02', 'Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 1'],
        ['10de:13c0', 'GM204 [GeForce GTX 980]'],
      ].sort((a, b) => (text.indexOf(a[1]!) < text.indexOf(b[1]!) ? -1 : 1)),
    );
    assert.deepEqual([...names.vendors.keys()].sort(), ['10de', '8086']);
  });
});

/**
 * Root reads every file whatever its mode, so an unreadable file needs an unprivileged reader: a
 * child loads the scanner as root, then becomes nobody (uid/gid 65534) before it scans.
 */
function scanAsNobody(root: string): ReturnType<typeof scanSysfs> {
  const script = [
    `const { scanSysfs } = require(${JSON.stringify(require.resolve('../../server/src/hardware/scanSysfs'))});`,
    'process.setgroups([]);',
    'process.setgid(65534);',
    'process.setuid(65534);',
    `process.stdout.write(JSON.stringify(scanSysfs(${JSON.stringify(root)})));`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as ReturnType<typeof scanSysfs>;
}
