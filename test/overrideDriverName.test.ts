// vfio_pci (the module's name) written into driver_override, where only the driver's name
// vfio-pci binds: what the core reads from scripts and udev rules, and what hover, inlay hints,
// code lens and the boot timeline make of such a binding.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeLenses } from '../server/src/editor/codeLens';
import { hoverAt } from '../server/src/editor/hover';
import { inlayHints } from '../server/src/editor/inlayHints';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configViews } from '../server/src/model/optionModel';
import { overrideScripts } from '../server/src/vfio/bootTimeline';
import { overrideWrites, writesModuleName } from '../server/src/vfio/overrideDriverName';
import { modelBindings } from '../server/src/vfio/vfioBindings';
import { udevOverrides } from '../server/src/vfio/udevRules';
import { sharedParser } from './helpers';
import { loadMachine, RULE_FIXTURES } from './ruleFixtures';

const FIXTURE = join(RULE_FIXTURES, 'vfio-override-module-name');

async function modelOf(root: string) {
  return buildModel(root, diskLoader(await sharedParser()));
}

describe('what a script writes into driver_override', () => {
  it('reads echo, quoted words, printf, printf %s and a pipe into tee, with where the name is', () => {
    const script = [
      'echo vfio_pci > /sys/bus/pci/devices/0000:0f:00.0/driver_override',
      'echo -n "vfio-pci" >/sys/bus/pci/devices/0000:0f:00.1/driver_override',
      "printf '%s\\n' vfio_pci > /sys/bus/pci/devices/0000:0e:00.0/driver_override 2>/dev/null",
      'printf vfio_pci > /sys/bus/pci/devices/0000:0e:00.1/driver_override',
      'echo vfio_pci | tee /sys/bus/pci/devices/$DEV/driver_override',
      'echo "$DRIVER" > /sys/bus/pci/devices/$DEV/driver_override',
      'echo 0000:0f:00.0 > /sys/bus/pci/drivers/vfio-pci/bind',
      'modprobe -i vfio_pci',
    ].join('\n');
    const writes = overrideWrites(script);
    assert.deepEqual(
      writes.map((write) => [write.name, write.variableTarget]),
      [
        ['vfio_pci', false],
        ['vfio-pci', false],
        ['vfio_pci', false],
        ['vfio_pci', false],
        ['vfio_pci', true],
        [undefined, true],
      ],
    );
    for (const write of writes.filter((each) => each.name !== undefined)) {
      assert.equal(script.slice(write.nameStart, write.nameEnd), write.name, 'the name is where the write says');
    }
  });

  it('decides per address: the write whose path holds it, else every loop write', () => {
    const loop = 'DEVS="0000:0f:00.0 0000:0f:00.1"\nfor DEV in $DEVS; do\n  echo vfio_pci > /sys/bus/pci/devices/$DEV/driver_override\ndone';
    const at = (text: string, address: string) => writesModuleName(overrideWrites(text), text.indexOf(address), text.indexOf(address) + address.length);
    assert.equal(at(loop, '0000:0f:00.1'), true);
    assert.equal(at(loop.replace('vfio_pci', 'vfio-pci'), '0000:0f:00.1'), false);
    assert.equal(at(loop.replace('vfio_pci', '"$DRIVER"'), '0000:0f:00.1'), false, 'a name the text does not show says nothing');
    const mixed = 'echo vfio_pci > /sys/bus/pci/devices/0000:0f:00.0/driver_override\necho vfio-pci > /sys/bus/pci/devices/0000:0f:00.1/driver_override';
    assert.equal(at(mixed, '0000:0f:00.0'), true);
    assert.equal(at(mixed, '0000:0f:00.1'), false);
  });

  it('reads udev rules writing vfio_pci, with the name they write and where', () => {
    const text = 'ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0f:00.0", ATTR{driver_override}="vfio_pci"';
    const [rule] = udevOverrides(text);
    assert.equal(rule?.driver, 'vfio_pci');
    assert.equal(text.slice(rule.driverStart, rule.driverStart + 'vfio_pci'.length), 'vfio_pci');
    assert.deepEqual(udevOverrides(text.replace('vfio_pci', 'nvidia')), [], 'other drivers are no vfio binding');
  });
});

describe('a binding that writes vfio_pci', () => {
  it('takes no device: hover, inlay hints and code lens say why, and the boot timeline leaves it out', async () => {
    const root = join(FIXTURE, 'udev-rules-module-name', 'configuration.nix');
    const file = join(FIXTURE, 'udev-rules-module-name', 'vfio.nix');
    const model = await modelOf(root);
    const machine = loadMachine('guide-970-980');
    const bindings = modelBindings(model).filter((binding) => binding.kind === 'slot');
    assert.deepEqual(
      bindings.map((binding) => [binding.token, binding.noDevice]),
      [
        ['0000:0f:00.0', 'module-name'],
        ['0000:0f:00.1', 'module-name'],
      ],
    );
    const text = model.files.get(file)!.text;
    const hover = hoverAt(model, machine, file, text.indexOf('"0000:0f:00.0"') + 2);
    assert.ok(hover);
    assert.match(hover.markdown, /Binds nothing/);
    assert.match(hover.markdown, /`vfio-pci`/);
    assert.doesNotMatch(hover.markdown, /GTX 980/, 'no device is named for it');
    assert.deepEqual(
      inlayHints(model, machine, file).map((hint) => hint.label),
      [' binds nothing (driver is vfio-pci, not vfio_pci)', ' binds nothing (driver is vfio-pci, not vfio_pci)'],
    );
    assert.deepEqual(
      codeLenses(model, machine, file).map((lens) => lens.title),
      ['binds no device of this machine · 0000:0f:00.0, 0000:0f:00.1 bind nothing (vfio_pci is no driver name)'],
    );
    for (const view of configViews(model)) assert.deepEqual(overrideScripts(view), []);
  });

  it('the same script with vfio-pci binds both functions', async () => {
    const root = join(FIXTURE, 'guide-loop-module-name', 'fixed', 'vfio-override-module-name.nix');
    const model = await modelOf(root);
    const slots = modelBindings(model).filter((binding) => binding.kind === 'slot');
    assert.equal(slots.length, 2);
    assert.ok(slots.every((binding) => binding.noDevice === undefined));
  });
});
