// The live scan's host facts, from a fixture tree shaped like sysfs and procfs on a NixOS desktop:
// root on LUKS over an NVMe partition, /home on md RAID 1 over two SATA disks, /boot a plain
// partition, btrfs (anonymous device number) found through its source, the default route on a
// bridge whose port is the onboard NIC, 1 GiB hugepages configured.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { scanHost } from '../../server/src/hardware/scanHost';
import { rootFsDevices, validateSnapshot } from '../../server/src/hardware/snapshot';

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** A relative link, as sysfs makes them, so the tree works wherever it is. */
function link(root: string, from: string, to: string): void {
  mkdirSync(dirname(join(root, from)), { recursive: true });
  mkdirSync(join(root, to), { recursive: true });
  symlinkSync(relative(dirname(join(root, from)), join(root, to)), join(root, from));
}

function desktopTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'nix-vfio-host-'));
  const nvme = 'sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0/nvme/nvme0/nvme0n1';
  const sata = 'sys/devices/pci0000:00/0000:00:08.1/0000:0a:00.0/ata1/host0/target0:0:0/0:0:0:0/block';
  link(root, 'sys/class/block/nvme0n1p1', `${nvme}/nvme0n1p1`);
  link(root, 'sys/class/block/nvme0n1p2', `${nvme}/nvme0n1p2`);
  link(root, 'sys/dev/block/259:1', `${nvme}/nvme0n1p1`);
  link(root, 'sys/class/block/sda1', `${sata}/sda/sda1`);
  link(root, 'sys/class/block/sdb1', 'sys/devices/pci0000:00/0000:00:08.1/0000:0a:00.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb/sdb1');
  // dm-0 (LUKS) on nvme0n1p2; md127 (RAID 1) on sda1 and sdb1.
  link(root, 'sys/dev/block/254:0', 'sys/devices/virtual/block/dm-0');
  link(root, 'sys/block/dm-0', 'sys/devices/virtual/block/dm-0');
  write(root, 'sys/devices/virtual/block/dm-0/dm/name', 'cryptroot\n');
  link(root, 'sys/devices/virtual/block/dm-0/slaves/nvme0n1p2', `${nvme}/nvme0n1p2`);
  link(root, 'sys/dev/block/9:127', 'sys/devices/virtual/block/md127');
  link(root, 'sys/devices/virtual/block/md127/slaves/sda1', `${sata}/sda/sda1`);
  link(root, 'sys/devices/virtual/block/md127/slaves/sdb1', 'sys/devices/pci0000:00/0000:00:08.1/0000:0a:00.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb/sdb1');
  write(
    root,
    'proc/self/mountinfo',
    [
      '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/mapper/cryptroot rw',
      '23 22 0:21 / /sys rw,nosuid shared:2 - sysfs sysfs rw',
      '24 22 259:1 / /boot rw,relatime shared:3 - vfat /dev/nvme0n1p1 rw,fmask=0022',
      '25 22 9:127 / /home rw,relatime shared:4 - ext4 /dev/md127 rw',
      '26 22 0:48 /@games /mnt/my\\040games rw,relatime shared:5 - btrfs /dev/sda1 rw,subvol=/@games',
      '27 22 0:30 / /tmp rw shared:6 - tmpfs tmpfs rw',
      '',
    ].join('\n'),
  );
  link(root, 'sys/class/net/enp5s0', 'sys/devices/pci0000:00/0000:00:02.1/0000:05:00.0/net/enp5s0');
  link(root, 'sys/class/net/br0', 'sys/devices/virtual/net/br0');
  link(root, 'sys/devices/virtual/net/br0/lower_enp5s0', 'sys/devices/pci0000:00/0000:00:02.1/0000:05:00.0/net/enp5s0');
  write(
    root,
    'proc/net/route',
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'wg0\t00000000\t00000000\t0001\t0\t0\t600\t00000000\t0\t0\t0\n' +
      'br0\t00000000\t0101A8C0\t0003\t0\t0\t425\t00000000\t0\t0\t0\n' +
      'br0\t0001A8C0\t00000000\t0001\t0\t0\t425\t00FFFFFF\t0\t0\t0\n',
  );
  write(root, 'proc/meminfo', 'MemTotal:       65760432 kB\nMemFree:        40123456 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n');
  write(root, 'sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages', '0\n');
  write(root, 'sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages', '16\n');
  return root;
}

describe('live scan: host facts', () => {
  it('finds the PCI devices under each mounted filesystem, the default route and memory', () => {
    const root = desktopTree();
    try {
      const warnings: string[] = [];
      const facts = scanHost(root, warnings);
      assert.deepEqual(warnings, []);
      assert.deepEqual(facts.mounts, [
        { mountPoint: '/', source: '/dev/mapper/cryptroot', fsType: 'ext4', pciDevices: ['0000:01:00.0'] },
        { mountPoint: '/boot', source: '/dev/nvme0n1p1', fsType: 'vfat', pciDevices: ['0000:01:00.0'] },
        { mountPoint: '/home', source: '/dev/md127', fsType: 'ext4', pciDevices: ['0000:0a:00.0'] },
        { mountPoint: '/mnt/my games', source: '/dev/sda1', fsType: 'btrfs', pciDevices: ['0000:0a:00.0'] },
      ]);
      assert.deepEqual(facts.defaultRoute, { interface: 'br0', pciDevices: ['0000:05:00.0'] }, 'the lowest metric; a bridge gives its port');
      assert.deepEqual(facts.memory, {
        totalKiB: 65760432,
        hugepages: [
          { sizeKiB: 2048, count: 0 },
          { sizeKiB: 1048576, count: 16 },
        ],
      });
      const snapshot = {
        format: 'nix-vfio-hardware',
        version: 2,
        source: { kind: 'sysfs' },
        cpu: { vendor: 'amd' },
        iommu: { active: true },
        devices: [],
        ...facts,
      };
      assert.ok(validateSnapshot(snapshot).ok, 'the new fields validate');
      assert.deepEqual(rootFsDevices(snapshot as never), ['0000:01:00.0']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says nothing it cannot read: no procfs gives no host facts and no warnings', () => {
    const root = mkdtempSync(join(tmpdir(), 'nix-vfio-host-'));
    try {
      const warnings: string[] = [];
      assert.deepEqual(scanHost(root, warnings), {});
      assert.deepEqual(warnings, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a mountinfo that is not a regular file (here a directory) is refused with a warning', () => {
    const root = mkdtempSync(join(tmpdir(), 'nix-vfio-host-'));
    try {
      mkdirSync(join(root, 'proc/self'), { recursive: true });
      mkdirSync(join(root, 'proc/self/mountinfo'));
      const warnings: string[] = [];
      assert.equal(scanHost(root, warnings).mounts, undefined);
      assert.match(warnings.join('\n'), /\/proc\/self\/mountinfo is not read/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
