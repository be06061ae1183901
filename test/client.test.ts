// What the IOMMU Groups view says about a group and what its actions take from it
// (client/src/groups.ts, the part of the view that needs no VS Code), on recorded machines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceDescription, deviceFacts, devicePickItem, groupDescription, groupIds, groupLead, groupState, labelText } from '../client/src/groups';
import { statusFor, statusText } from '../client/src/statusText';
import { escapeHtml, topologyHtml } from '../client/src/topologyHtml';
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
    assert.equal(groupDescription(devices, true), 'isolated · 2 devices · GM204 [GeForce GTX 980], GM204 High Definition Audio Controller');
    assert.deepEqual(groupIds(devices), ['10de:13c0', '10de:0fbb']);
    assert.equal(groupLead(devices)?.address, '0000:0f:00.0');
  });

  it('a GPU behind the chipset bridge with an NVMe drive: shared; bridges neither count nor get copied', () => {
    const devices = group('intel-laptop-shared', 1);
    assert.equal(isIsolatedGroup(devices), false);
    assert.equal(
      groupDescription(devices, false),
      'shared · 5 devices · GA106M [GeForce RTX 3060 Mobile / Max-Q], GA106 High Definition Audio Controller, NVMe SSD Controller PM9A1/PM9A3/980PRO',
      'every endpoint by name, so a group of an audio function alone still says what it is',
    );
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

describe('unknown driver facts are "unknown", never "none"', () => {
  it('a snapshot without driver facts (a pasted listing) says unknown; a device with no driver says none', () => {
    const gpu = group('guide-desktop', 33)[0];
    assert.ok(gpu, 'group 33 has a device');
    const { driver: _driver, ...withoutDriverFacts } = gpu;
    assert.match(deviceDescription(withoutDriverFacts), /· driver unknown/);
    assert.ok(deviceFacts(withoutDriverFacts).includes('driver now: unknown'));
    assert.match(deviceDescription({ ...gpu, driver: null }), /· no driver/);
    assert.ok(deviceFacts({ ...gpu, driver: null }).includes('driver now: none'));
  });
});

describe('device tooltips and group states', () => {
  it('the tooltip has ids, class, driver, reset and the lines that bind the device', () => {
    const gpu = group('guide-desktop', 33).find((device) => device.address === '0000:0f:00.0')!;
    const facts = deviceFacts(gpu, [{ uri: 'file:///etc/nixos/configuration.nix', line: 14, text: 'DEVS="0000:0f:00.0 0000:0f:00.1"' }]);
    assert.ok(facts.includes('ids: 10de:13c0'));
    assert.ok(facts.some((line) => line.startsWith('class: 0300')));
    assert.ok(facts.includes(`driver now: ${gpu.driver}`));
    assert.ok(facts.includes('reset: unknown'), 'the snapshot format has no reset facts yet');
    assert.ok(facts.includes('bound to vfio-pci by: configuration.nix:15 DEVS="0000:0f:00.0 0000:0f:00.1"'));
    assert.ok(deviceFacts(gpu).includes('no configuration line binds it to vfio-pci'));
  });

  it('a group is drawn as vfio-pci, boot VGA, host, shared or bridge', () => {
    const guideGpu = group('guide-desktop', 33);
    const bound = new Set(['0000:0f:00.0', '0000:0f:00.1']);
    assert.equal(
      groupState(guideGpu, true, (device) => bound.has(device.address)),
      'vfio',
    );
    const unbound = guideGpu.map((device) => ({ ...device, driver: device.class.startsWith('03') ? 'nvidia' : 'snd_hda_intel' }));
    assert.equal(
      groupState(unbound, true, () => false),
      'host',
    );
    assert.equal(
      groupState(
        unbound.map((device) => ({ ...device, bootVga: device.class.startsWith('03') })),
        true,
        () => false,
      ),
      'boot-vga',
    );
    const shared = group('intel-laptop-shared', 1);
    assert.equal(
      groupState(shared, false, () => false),
      'shared',
    );
    const bridges = shared.filter((device) => device.class.startsWith('0604'));
    assert.equal(
      groupState(bridges, true, () => false),
      'bridge',
    );
  });
});

describe('topology picture', () => {
  const groups = [...iommuGroups(loadMachine('guide-desktop'))].map(([number, devices]) => ({ group: number, devices, isolated: isIsolatedGroup(devices) }));

  it('one box per group with its devices, a pass-through button where one makes sense, a strict CSP by nonce', () => {
    const html = topologyHtml({ groups, bindings: {}, configuration: 'configuration.nix', nonce: 'N0nce', cspSource: 'vscode-webview:' });
    assert.equal(html.match(/<section class="group /g)?.length, groups.length);
    assert.match(html, /<section class="group state-vfio" data-group="33"/, 'on vfio-pci now');
    assert.match(html, /<section class="group state-boot-vga" data-group="32"/);
    assert.match(html, /<section class="group state-bridge" data-group="1"/);
    assert.match(html, /data-action="passThrough" data-address="0000:0f:00\.0"/, 'the configuration does not bind it yet');
    assert.doesNotMatch(html.slice(html.indexOf('data-group="1"'), html.indexOf('data-group="2"')), /data-action="passThrough"/, 'bridges stay');
    assert.doesNotMatch(
      html.slice(html.indexOf('data-group="0"'), html.indexOf('data-group="1"')),
      /data-action="passThrough"/,
      'the host bridge (0600) is the chipset',
    );
    assert.match(html, /content="default-src 'none'; img-src vscode-webview:; style-src 'nonce-N0nce'; script-src 'nonce-N0nce';"/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="N0nce">/);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing remote');
  });

  it('a group the configuration binds links its binding line instead of a button', () => {
    const binding = [{ uri: 'file:///w/configuration.nix', line: 14, text: 'DEVS="0000:0f:00.0 0000:0f:00.1"' }];
    const html = topologyHtml({ groups, bindings: { '0000:0f:00.0': binding, '0000:0f:00.1': binding }, configuration: 'c.nix', nonce: 'n', cspSource: 's' });
    const box = html.slice(html.indexOf('data-group="33"'), html.indexOf('</section>', html.indexOf('data-group="33"')));
    assert.match(html, /<section class="group state-vfio" data-group="33"/);
    assert.doesNotMatch(box, /data-action="passThrough"/);
    assert.match(box, /data-action="reveal" data-address="0000:0f:00\.0"[^>]*>line 15</);
  });

  it('escapes every string from the snapshot and the configuration', () => {
    const hostile = '<img src=x onerror="alert(1)">&\'';
    const device = groups[0]?.devices[0];
    assert.ok(device, 'the guide desktop has a device in its first group');
    const devices = [{ ...device, deviceName: hostile, vendorName: hostile, driver: hostile }];
    const html = topologyHtml({
      groups: [{ group: 0, devices, isolated: true }],
      bindings: { [device.address]: [{ uri: 'file:///x', line: 0, text: hostile }] },
      configuration: hostile,
      nonce: 'n',
      cspSource: 's',
    });
    assert.doesNotMatch(html, /<img/);
    assert.doesNotMatch(html, /onerror="/);
    assert.ok(html.includes(escapeHtml(hostile)));
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});

describe('status item', () => {
  const status = (root: string, findings: number, hardwareSource = '/w/hardware.nix-vfio.json') => ({ root, hardwareSource, findings });

  it('says what the number counts', () => {
    assert.equal(statusText(status('file:///w/configuration.nix', 5)).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · 5 findings');
    assert.equal(statusText(status('file:///w/configuration.nix', 1)).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · 1 finding');
    assert.equal(statusText(status('file:///w/configuration.nix', 0, 'none')).text, '$(circuit-board) VFIO: no hardware · no findings');
  });

  it('names the release the host is checked for, and says when it is only assumed', () => {
    const locked = statusText({ ...status('file:///w/flake.nix', 0), release: '24.11 (flake.lock)' });
    assert.match(locked.tooltip, /checked against \/w\/hardware\.nix-vfio\.json for NixOS 24\.11 \(flake\.lock\);/);
    const assumed = statusText({ ...status('file:///w/configuration.nix', 0), release: '25.11 (default)' });
    assert.match(assumed.tooltip, /for NixOS 25\.11 \(assumed: set nixVfio\.nixosRelease or keep a flake\.lock\)/);
    assert.doesNotMatch(statusText(status('file:///w/configuration.nix', 0)).tooltip, /NixOS/, 'an older server that sends no release');
  });

  it('follows the configuration worked on: its own root, else the deepest folder holding it, else the latest', () => {
    const all = [status('file:///w/hosts/desk/configuration.nix', 1), status('file:///w/configuration.nix', 2), status('file:///other/configuration.nix', 3)];
    assert.equal(statusFor(all, 'file:///w/hosts/desk/gpu.nix')?.findings, 1);
    assert.equal(statusFor(all, 'file:///w/configuration.nix')?.findings, 2);
    assert.equal(statusFor(all, 'file:///w/modules/x.nix')?.findings, 2);
    assert.equal(statusFor(all, undefined)?.findings, 3, 'no configuration in sight: the latest reported');
  });
});

describe('snapshot names in labels, quick picks and notifications', () => {
  // VS Code draws `$(name)` as an icon in labels and quick picks, and `[text](target)` as a link in notifications.
  const unescapedIcon = /(?<!\\)\$\(/;
  it('a hostile device name is inert: no icon, no link, no control or format characters', () => {
    const [device] = loadMachine('guide-desktop').devices.filter((candidate) => candidate.address === '0000:0f:00.0');
    assert.ok(device);
    const hostile = {
      ...device,
      deviceName: '$(rocket) Totally a GPU [open](command:workbench.action.terminal.new)\u202e\u0007',
      vendorName: '$(alert)Vendor',
      driver: '$(x)',
    };
    const item = devicePickItem(hostile);
    for (const text of [item.label, item.description, item.detail, labelText(deviceDescription(hostile)), labelText(groupDescription([hostile], true))]) {
      assert.doesNotMatch(text, unescapedIcon, text);
      assert.doesNotMatch(text, /\]\(/, text);
      assert.doesNotMatch(text, /[\p{Cc}\p{Cf}]/u, text);
    }
    assert.match(item.label, /\\\$\(rocket\) Totally a GPU \[open\] \(command:/, 'the name is still readable');
  });

  it('ordinary names are unchanged', () => {
    const [device] = loadMachine('guide-desktop').devices.filter((candidate) => candidate.address === '0000:0f:00.0');
    assert.ok(device);
    const item = devicePickItem(device);
    assert.equal(item.label, '0f:00.0 GM204 [GeForce GTX 980]');
    assert.equal(item.description, 'NVIDIA Corporation [10de:13c0]');
    assert.equal(item.address, '0000:0f:00.0');
  });
});
