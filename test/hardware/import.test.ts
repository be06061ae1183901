// Pasted listings (lspci -nn/-nnk and the guide's IOMMU-group script) for fixture machines:
// the devices, classes, groups, drivers and names they give, and the lines they could not read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importListing } from '../../server/src/hardware/importListing';
import { HardwareSnapshot, validateSnapshot } from '../../server/src/hardware/snapshot';
import { FIXTURES, REPO_ROOT } from '../helpers';
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
  const result = importListing(readFileSync(join(LISTINGS, name), 'utf8'), { host });
  assert.ok(result.ok, result.ok ? '' : result.message);
  assert.ok(validateSnapshot(result.snapshot).ok, 'an import is a valid snapshot');
  return { ...result, unreadLines: result.skipped.map(({ line, text }) => ({ line, text })) };
}

/** An import that must succeed, with the skipped lines as {line, text}. */
function imported(text: string, options = {}) {
  const result = importListing(text, options);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return { ...result, unreadLines: result.skipped.map(({ line, text: content }) => ({ line, text: content })) };
}

/** One real-format listing per fixture machine: what it can show, and the lines it must report. */
const CASES: {
  listing: string;
  machine: string;
  shows: { groups: boolean; drivers: boolean };
  kind: 'lspci' | 'iommu-script';
  unread: { line: number; text: string }[];
}[] = [
  {
    listing: 'guide-desktop.iommu-script.txt',
    machine: 'guide-desktop',
    shows: { groups: true, drivers: false },
    kind: 'iommu-script',
    unread: [{ line: 1, text: 'Here is the output of the script from the guide:' }],
  },
  {
    listing: 'laptop-dgpu-nvme-ethernet.iommu-script.txt',
    machine: 'laptop-dgpu-nvme-ethernet',
    shows: { groups: true, drivers: false },
    kind: 'iommu-script',
    unread: [],
  },
  { listing: 'twin-amd.lspci-nnk.txt', machine: 'twin-amd', shows: { groups: false, drivers: true }, kind: 'lspci', unread: [] },
  { listing: 'guide-970-980.iommu-script.txt', machine: 'guide-970-980', shows: { groups: true, drivers: false }, kind: 'iommu-script', unread: [] },
  { listing: 'chipset-group.headings.txt', machine: 'chipset-group', shows: { groups: true, drivers: false }, kind: 'iommu-script', unread: [] },
  {
    listing: 'intel-igpu-gtx.iommu-script-quoted.md',
    machine: 'intel-igpu-gtx',
    shows: { groups: true, drivers: false },
    kind: 'iommu-script',
    unread: [
      { line: 1, text: '### My IOMMU groups' },
      { line: 3, text: 'I ran the script from the wiki and got this:' },
      { line: 14, text: 'Why is my GTX in group 1 with the bridge?' },
    ],
  },
  {
    listing: 'amd-desktop.lspci-nnk.txt',
    machine: 'amd-desktop',
    shows: { groups: false, drivers: true },
    kind: 'lspci',
    unread: [{ line: 23, text: 'this line is not lspci output' }],
  },
  { listing: 'amd-apu-dgpu.lspci-nnkq.txt', machine: 'amd-apu-dgpu', shows: { groups: false, drivers: true }, kind: 'lspci', unread: [] },
  { listing: 'twin-gpus.lspci-nnk.txt', machine: 'twin-gpus', shows: { groups: false, drivers: true }, kind: 'lspci', unread: [] },
  { listing: 'intel-laptop-shared.lspci-nn-D.txt', machine: 'intel-laptop-shared', shows: { groups: false, drivers: false }, kind: 'lspci', unread: [] },
  { listing: 'iommu-off.lspci-nn.txt', machine: 'iommu-off', shows: { groups: false, drivers: false }, kind: 'lspci', unread: [] },
];

describe('import of pasted listings', () => {
  for (const { listing, machine, shows, kind, unread } of CASES) {
    it(`reads ${listing} as the ${machine} machine`, () => {
      const { snapshot, unreadLines } = read(listing);
      assert.deepEqual(visible(snapshot, shows), visible(loadMachine(machine), shows));
      assert.equal(snapshot.source.kind, kind);
      // Groups in the listing mean the IOMMU was on; lspci alone does not tell.
      assert.equal(snapshot.iommu.active, kind === 'iommu-script' ? true : null);
      assert.deepEqual(unreadLines, unread);
    });
  }

  it('has a listing for every fixture machine', () => {
    const machines = readdirSync(join(FIXTURES, 'machines')).map((name) => name.replace(/\.json$/, ''));
    assert.deepEqual(
      machines.filter((name) => !CASES.some((entry) => entry.machine === name)),
      [],
    );
  });

  it('takes subsystems from lspci -k, the programming interface from lspci -v, and no name from "Device"', () => {
    const twin = read('twin-gpus.lspci-nnk.txt').snapshot;
    assert.deepEqual([twin.devices[3]?.subsystemVendor, twin.devices[3]?.subsystemDevice], ['1043', '87b3']);
    const { snapshot } = imported(
      '00:14.0 USB controller [0c03]: Intel Corporation Cannon Lake PCH USB 3.1 xHCI Host Controller [8086:a36d] (rev 10) (prog-if 30 [XHCI])\n' +
        '01:00.0 VGA compatible controller [0300]: NVIDIA Corporation Device [10de:2b85] (rev a1)\n',
    );
    assert.equal(snapshot.devices[0]?.class, '0c0330');
    assert.equal(snapshot.devices[1]?.class, '030000', 'without prog-if, the interface is taken as 00');
    assert.equal(snapshot.devices[1]?.vendorName, 'NVIDIA Corporation');
    assert.equal(snapshot.devices[1]!.deviceName, undefined);
  });

  it('reads a listing quoted or bulleted in markdown, with prompts of several shells, and drops nothing silently or by guessing', () => {
    const text = [
      '> > bash-5.2$ sudo lspci -nnk',
      '> > 0b:00.0 VGA compatible controller [0300]: NVIDIA Corporation TU104 [GeForce RTX 2070 SUPER] [10de:1e84] (rev a1)',
      '> >     Kernel driver in use: nvidia',
      '- `0b:00.1 Audio device [0403]: NVIDIA Corporation TU104 HD Audio Controller [10de:10f8] (rev a1)`',
      '❯ lspci -nn',
      'root@nixos:~# lspci -nn',
      '#!/usr/bin/env bash',
      'shopt -s nullglob',
      'for d in /sys/kernel/iommu_groups/*/devices/*; do',
      '    n=${d#*/iommu_groups/*}; n=${n%%/*}',
      '    printf \'IOMMU Group %s \' "$n"',
      '    lspci -nns "${d##*/}"',
      'done;',
      '> Kernel driver in use: snd_hda_intel',
      '0b:00.2 USB controller [0c03]: NVIDIA Corporation TU104 USB 3.1 Host Controller [10de:1ad8] (rev a1',
      '\tKernel driver in use: xhci_hcd',
    ].join('\r\n');
    const { snapshot, skipped } = imported(text);
    // The detail line on 14 follows prompts and a script, not its device: it is reported, never
    // given to the last device seen; 0b:00.1 came from `lspci -nnk` with no driver line, so none.
    assert.deepEqual(
      snapshot.devices.map((device) => [device.address, device.driver]),
      [
        ['0000:0b:00.0', 'nvidia'],
        ['0000:0b:00.1', null],
      ],
    );
    assert.deepEqual(
      skipped.map((entry) => [entry.line, entry.reason]),
      [
        ...[7, 8, 9, 10, 11, 12, 13].map((line) => [line, 'shell script text, not its output']),
        [14, 'an lspci detail line with no device line above it'],
        [15, 'not a line of any listing this import reads'],
        [16, 'an lspci detail line with no device line above it'],
      ],
      'the script, the broken device line and the driver lines left without their device',
    );
  });

  it('reports every line of text that is no listing', () => {
    const result = importListing('hello\n\nworld\n');
    assert.ok(!result.ok && result.kind === 'nothing-usable');
    assert.deepEqual(
      result.skipped.map((entry) => entry.line),
      [1, 3],
    );
    assert.match(result.message, /line 1: hello[\s\S]*line 3: world/, 'the error quotes the first lines it could not read');
  });
});
