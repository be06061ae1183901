// Each listing format people paste, and pastes mixing several: every device's group, ids, class
// and driver against a table written by hand from the listing (test/hardware/expected/), plus
// the contradictions that must stop the import instead of being merged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importListing } from '../../server/src/hardware/importListing';
import { validateSnapshot } from '../../server/src/hardware/snapshot';
import { REPO_ROOT } from '../helpers';

const HERE = join(REPO_ROOT, 'test', 'hardware');

interface Expected {
  section?: number;
  cpu?: string;
  rows: string[];
}

/** `address group ids class driver [marks]`: `-` is absent, `none` is null; marks: reset/noreset, bootvga, usb=…, vendor=…. */
function readExpected(name: string): Expected {
  const expected: Expected = { rows: [] };
  for (const line of readFileSync(join(HERE, 'expected', name), 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [word, value] = line.split(' ');
    if (word === 'section') expected.section = Number(value);
    else if (word === 'cpu') expected.cpu = value;
    else expected.rows.push(line.trim());
  }
  return expected;
}

const show = (value: unknown) => (value === undefined ? '-' : value === null ? 'none' : String(value));

describe('import of each pasted format', () => {
  const names = readdirSync(join(HERE, 'expected')).sort();
  for (const name of names) {
    it(`reads ${name}: every device's group, ids, class and driver as the listing gives them`, () => {
      const expected = readExpected(name);
      const result = importListing(readFileSync(join(HERE, 'listings', name), 'utf8'), expected.section ? { section: expected.section } : {});
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.ok(validateSnapshot(result.snapshot).ok);
      const rows = result.snapshot.devices.map((device) => {
        const wanted = expected.rows.find((row) => row.startsWith(`${device.address} `)) ?? '';
        const marks = [
          ...(device.resetSupported === undefined || !/ (no)?reset\b/.test(wanted) ? [] : [device.resetSupported ? 'reset' : 'noreset']),
          ...(device.bootVga && wanted.includes('bootvga') ? ['bootvga'] : []),
          ...(device.usbDevices && wanted.includes('usb=') ? [`usb=${device.usbDevices.map((usb) => `${usb.vendor}:${usb.product}`).join(',')}`] : []),
          ...(wanted.includes('vendor=') ? [`vendor=${device.vendorName}`] : []),
        ];
        return [device.address, show(device.iommuGroup), `${device.vendor}:${device.device}`, device.class, show(device.driver), ...marks].join(' ');
      });
      assert.deepEqual(rows, expected.rows);
      if (expected.cpu) assert.equal(result.snapshot.cpu.vendor, expected.cpu);
      if (expected.cpu && expected.cpu !== 'unknown') assert.ok(result.snapshot.inferredFrom?.['cpu.vendor'], 'the CPU vendor says what it was inferred from');
    });
  }

  it('every listing with groups has a hand-written table', () => {
    const listed = new Set(names);
    const old = [
      'amd-apu-dgpu.lspci-nnkq.txt',
      'amd-desktop.lspci-nnk.txt',
      'chipset-group.headings.txt',
      'guide-desktop.iommu-script.txt',
      'intel-igpu-gtx.iommu-script-quoted.md',
      'intel-laptop-shared.lspci-nn-D.txt',
      'iommu-off.lspci-nn.txt',
      'twin-gpus.lspci-nnk.txt',
    ];
    assert.deepEqual(
      readdirSync(join(HERE, 'listings')).filter((name) => !listed.has(name) && !old.includes(name)),
      [],
    );
  });
});

describe('sections of a paste', () => {
  const text = (name: string) => readFileSync(join(HERE, 'listings', name), 'utf8');

  it('a group heading covers only the device lines directly under it: the lspci -nnk section after it adds drivers, not group members', () => {
    const result = importListing(text('headings-then-nnk.md'));
    assert.ok(result.ok);
    const group14 = result.snapshot.devices.filter((device) => device.iommuGroup === 14).map((device) => device.address);
    assert.deepEqual(group14, ['0000:2d:00.0', '0000:2d:00.1']);
    assert.equal(result.sections.length, 2);
  });

  it('two listings of one machine that disagree on groups: asks which, naming the sections and lines', () => {
    const result = importListing(text('two-snapshots.md'));
    assert.ok(!result.ok);
    assert.equal(result.kind, 'choose-section');
    assert.match(result.message, /--section N/);
    assert.match(result.message, /line 4 gives 0000:00:03\.0 group 2, line 12 gives it group 4/);
    assert.match(result.message, /section 1 \(lines 3–7, 5 devices\)[\s\S]*section 2 \(lines 11–15, 5 devices\)/);
    const first = importListing(text('two-snapshots.md'), { section: 1 });
    assert.ok(first.ok);
    assert.deepEqual(
      first.snapshot.devices.map((device) => device.iommuGroup),
      [0, 2, 2, 2, 2],
    );
    assert.deepEqual(
      first.dropped.map((entry) => entry.section),
      [2],
    );
  });

  it('the same listing pasted twice with nothing between is two sections, merged when they agree', () => {
    const once = text('pastebin-numbered.txt');
    const result = importListing(`${once}${once}`);
    assert.ok(result.ok);
    assert.equal(result.sections.length, 2);
    assert.equal(result.snapshot.devices.length, 10);
  });

  it('two machines in one paste (one address, two ids) is an error naming both lines', () => {
    const result = importListing(
      [
        'IOMMU Group 1 01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070] [10de:2484] (rev a1)',
        'IOMMU Group 1 01:00.1 Audio device [0403]: NVIDIA Corporation GA104 High Definition Audio Controller [10de:228b] (rev a1)',
        'and on my other box:',
        'IOMMU Group 1 01:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Navi 23 [Radeon RX 6600/6600 XT/6600M] [1002:73ff] (rev c7)',
      ].join('\n'),
    );
    assert.ok(!result.ok);
    assert.equal(result.kind, 'contradiction');
    assert.match(result.message, /line 1 gives 0000:01:00\.0 \[10de:2484\], line 4 gives it \[1002:73ff\] \(two different machines\?\)/);
  });

  it('a driver that differs between two lspci -nnk pastes of one machine is not merged silently', () => {
    const block = (driver: string) =>
      `$ lspci -nnk\n01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070] [10de:2484] (rev a1)\n\tKernel driver in use: ${driver}\n01:00.1 Audio device [0403]: NVIDIA Corporation GA104 High Definition Audio Controller [10de:228b] (rev a1)\n\tKernel driver in use: ${driver === 'nvidia' ? 'snd_hda_intel' : 'vfio-pci'}\n`;
    const result = importListing(block('nvidia') + block('vfio-pci'));
    assert.ok(!result.ok && result.kind === 'choose-section', result.ok ? '' : result.message);
    const after = importListing(block('nvidia') + block('vfio-pci'), { section: 2 });
    assert.ok(after.ok);
    assert.deepEqual(
      after.snapshot.devices.map((device) => device.driver),
      ['vfio-pci', 'vfio-pci'],
    );
  });

  it('a device block whose own lines give two groups stops the import, naming both lines', () => {
    const result = importListing(
      'IOMMU Group 27:\n\t0c:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 [1002:73bf] (rev c1)\n\t\tFlags: bus master, fast devsel, latency 0, IRQ 16, IOMMU group 30\n',
    );
    assert.ok(!result.ok && result.kind === 'contradiction');
    assert.match(result.message, /line 1 gives 0000:0c:00\.0 group 27, line 3 gives it group 30/);
  });

  it('a blank line, a prompt or prose ends a heading; devices after it get no group', () => {
    const result = importListing(
      'IOMMU Group 3:\n\t00:14.0 USB controller [0c03]: Intel Corporation Cannon Lake PCH USB 3.1 xHCI Host Controller [8086:a36d] (rev 10)\n\n00:17.0 SATA controller [0106]: Intel Corporation Cannon Lake PCH SATA AHCI Controller [8086:a352] (rev 10)\nIOMMU Group 9:\n',
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.snapshot.devices.map((device) => device.iommuGroup),
      [3, null],
    );
    assert.deepEqual(
      result.skipped.map((entry) => [entry.line, entry.reason]),
      [[5, 'a group heading with no device line directly under it']],
    );
  });
});

describe('facts inferred from a paste', () => {
  const intelBridge = 'IOMMU Group 0 00:00.0 Host bridge [0600]: Intel Corporation 8th Gen Core Processor Host Bridge/DRAM Registers [8086:3ec2] (rev 07)\n';

  it('Intel host bridges give cpu.vendor "intel" with its source; --cpu-vendor overrides', () => {
    const result = importListing(intelBridge);
    assert.ok(result.ok);
    assert.equal(result.snapshot.cpu.vendor, 'intel');
    assert.equal(result.snapshot.inferredFrom?.['cpu.vendor'], 'host bridge 0000:00:00.0 [8086:3ec2] is Intel (line 1)');
    const stated = importListing(intelBridge, { cpuVendor: 'amd' });
    assert.ok(stated.ok);
    assert.equal(stated.snapshot.cpu.vendor, 'amd');
    assert.equal(stated.snapshot.inferredFrom?.['cpu.vendor'], 'stated with --cpu-vendor');
  });

  it('/proc/cpuinfo that disagrees with the host bridge is an error, not a pick', () => {
    const result = importListing(`vendor_id\t: AuthenticAMD\nflags\t\t: fpu vme svm\n${intelBridge}`);
    assert.ok(!result.ok && result.kind === 'contradiction');
    assert.match(result.message, /AuthenticAMD on line 1 says AMD, host bridge 0000:00:00\.0 \[8086:3ec2\] is Intel \(line 3\) says Intel/);
  });

  it('no vendor hint leaves the CPU vendor unknown and records nothing', () => {
    const result = importListing('01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070] [10de:2484] (rev a1)\n');
    assert.ok(result.ok);
    assert.equal(result.snapshot.cpu.vendor, 'unknown');
    assert.equal(result.snapshot.inferredFrom, undefined);
  });

  it('boot VGA from a `grep . /sys/bus/pci/devices/*/boot_vga` paste and from the kernel log (the later one wins)', () => {
    const result = importListing(
      '00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e98] (rev 02)\n' +
        '01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070] [10de:2484] (rev a1)\n' +
        '/sys/bus/pci/devices/0000:00:02.0/boot_vga:0\n/sys/bus/pci/devices/0000:01:00.0/boot_vga:1\n' +
        '[    0.30] pci 0000:05:00.0: vgaarb: setting as boot VGA device\n',
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.snapshot.devices.map((device) => device.bootVga),
      [false, true],
    );
    assert.deepEqual(
      result.skipped.map((entry) => entry.line),
      [5],
      'a boot GPU the paste does not list is reported, not invented',
    );
  });
});
