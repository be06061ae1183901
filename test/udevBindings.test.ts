// udev rules as vfio-pci bindings (systemd initrd) and addresses without their domain: what the
// core reads from them, and what hover, inlay hints and code lens say about them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeLenses } from '../server/src/editor/codeLens';
import { hoverAt } from '../server/src/editor/hover';
import { inlayHints } from '../server/src/editor/inlayHints';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { modelBindings } from '../server/src/vfio/vfioBindings';
import { shortAddressInPath } from '../server/src/vfio/shortAddresses';
import { udevOverrideRules, udevOverrides } from '../server/src/vfio/udevRules';
import { sharedParser } from './helpers';
import { loadMachine, RULE_FIXTURES } from './ruleFixtures';

async function modelOf(root: string) {
  return buildModel(root, diskLoader(await sharedParser()));
}

describe('udev rules that set driver_override', () => {
  it('read one address per rule, continued lines included, and only rules that write vfio-pci on add', () => {
    const text = [
      'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0f:00.0", ATTR{driver_override}="vfio-pci"',
      'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0f:00.1", \\',
      '  ATTR{driver_override}="vfio-pci", ATTR{subsystem/drivers_probe}="$kernel"',
      '# ACTION=="add", KERNEL=="0000:0e:00.0", ATTR{driver_override}="vfio-pci"',
      'ACTION=="remove", KERNEL=="0000:0e:00.1", ATTR{driver_override}="vfio-pci"',
      'ACTION=="add", KERNEL=="0000:0e:00.*", ATTR{driver_override}="vfio-pci"',
      'ACTION=="add", KERNEL=="0000:02:00.0", ATTR{driver_override}="nvidia"',
      'SUBSYSTEM=="net", KERNEL=="0000:03:00.0", ATTR{driver_override}="vfio-pci"',
    ].join('\n');
    const found = udevOverrides(text);
    assert.deepEqual(
      found.map((override) => [override.address, override.reprobes]),
      [
        ['0000:0f:00.0', false],
        ['0000:0f:00.1', true],
      ],
    );
    for (const override of found) assert.equal(text.slice(override.start, override.start + override.address.length), override.address);
  });

  it('the rules the generators write are read back as bindings that probe again', () => {
    const rules = udevOverrideRules(['0000:0f:00.0', '0000:0f:00.1']).join('\n');
    assert.deepEqual(
      udevOverrides(rules).map((override) => [override.address, override.reprobes]),
      [
        ['0000:0f:00.0', true],
        ['0000:0f:00.1', true],
      ],
    );
  });

  it('a udev rule in boot.initrd.services.udev.rules is a slot binding with its exact place', async () => {
    const root = join(RULE_FIXTURES, 'vfio-group-incomplete', 'udev-rules-complete', 'configuration.nix');
    const model = await modelOf(root);
    const text = model.files.get(root)!.text;
    const slots = modelBindings(model).filter((binding) => binding.via === 'udev-rule');
    assert.deepEqual(
      slots.map((binding) => [binding.token, binding.exact, text.slice(binding.range.start, binding.range.end)]),
      [
        ['0000:0f:00.0', true, '0000:0f:00.0'],
        ['0000:0f:00.1', true, '0000:0f:00.1'],
      ],
    );
  });
});

describe('addresses without their 0000: domain', () => {
  it('are a sysfs name only where the script uses them bare in the path', () => {
    const loop = 'DEVS="0f:00.0 0f:00.1"\nfor DEV in $DEVS; do\n  echo vfio-pci > /sys/bus/pci/devices/$DEV/driver_override\ndone\n';
    assert.equal(shortAddressInPath(loop, loop.indexOf('0f:00.1'), '0f:00.1'), true);
    const prefixed = loop.replace('devices/$DEV', 'devices/0000:$DEV');
    assert.equal(shortAddressInPath(prefixed, prefixed.indexOf('0f:00.1'), '0f:00.1'), false);
    const literal = 'echo vfio-pci > /sys/bus/pci/devices/0f:00.0/driver_override';
    assert.equal(shortAddressInPath(literal, literal.indexOf('0f:00.0'), '0f:00.0'), true);
    const lspci = 'lspci -s 0f:00.0\necho vfio-pci > /sys/bus/pci/devices/0000:0f:00.0/driver_override';
    assert.equal(shortAddressInPath(lspci, lspci.indexOf('0f:00.0'), '0f:00.0'), false);
    const forList = 'for d in 0f:00.0 0f:00.1; do echo vfio-pci > "/sys/bus/pci/devices/${d}/driver_override"; done';
    assert.equal(shortAddressInPath(forList, forList.indexOf('0f:00.0'), '0f:00.0'), true);
  });

  it('hover, inlay hints and code lens do not treat them as bindings', async () => {
    const root = join(RULE_FIXTURES, 'vfio-short-address', 'udev-rule-short', 'configuration.nix');
    const model = await modelOf(root);
    const text = model.files.get(root)!.text;
    const machine = loadMachine('guide-970-980');
    const hover = hoverAt(model, machine, root, text.indexOf('"0f:00.0"') + 2);
    assert.ok(hover);
    assert.match(hover.markdown, /Names no device/);
    assert.match(hover.markdown, /`0000:0f:00\.0`/);
    assert.doesNotMatch(hover.markdown, /GTX 980/, 'no device is named for it');
    const hints = inlayHints(model, machine, root).map((hint) => hint.label);
    assert.deepEqual(hints, [' no such device (needs 0000:)', ' GM204 High Definition Audio Controller']);
    assert.deepEqual(
      codeLenses(model, machine, root).map((lens) => lens.title),
      ['1 device · IOMMU group 33 · 0 of 1 on vfio-pci now · 0f:00.0 without 0000: binds nothing'],
    );
  });
});
