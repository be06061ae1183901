// Editor help computed by the core: hover, inlay hints, completion, and the "pass through this
// device" edit, on fixture configurations and recorded machines.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { completionsAt } from '../server/src/editor/completion';
import { hoverAt } from '../server/src/editor/hover';
import { inlayHints } from '../server/src/editor/inlayHints';
import { applySteps, PassthroughPlan, planPassthrough } from '../server/src/editor/passthrough';
import { FileEdit } from '../server/src/fixes/types';
import { HardwareSnapshot } from '../server/src/hardware/snapshot';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { OptionModel } from '../server/src/model/optionModel';
import { syntaxErrors } from '../server/src/parse/nixParser';
import { applyEdits } from '../server/src/text';
import { codeLenses } from '../server/src/editor/codeLens';
import { verifyPassthrough } from '../server/src/editor/verify';
import { isSetupStep, planSetupStep } from '../server/src/editor/setupSteps';
import { assertGolden, FIXTURES, REPO_ROOT, sharedParser } from './helpers';
import { loadMachine, scenarioDir } from './ruleFixtures';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';

async function modelOf(root: string, overlay: ReadonlyMap<string, string> = new Map()) {
  const parser = await sharedParser();
  return buildModel(
    root,
    diskLoader(parser, (path) => (overlay.has(path) ? { text: overlay.get(path)! } : undefined)),
  );
}

/** Runs `check` on the model of a temporary configuration.nix holding `text`. */
async function withConfiguration(text: string, check: (file: string, model: OptionModel) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-editor-'));
  try {
    const file = join(dir, 'configuration.nix');
    writeFileSync(file, text);
    check(file, await modelOf(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('hover, inlay hints and completion', () => {
  const turing = join(scenarioDir('turing-complete'), 'configuration.nix');

  it('hover on an id names the device, its group, driver and group members', async () => {
    const model = await modelOf(turing);
    const text = model.files.get(turing)!.text;
    const hover = hoverAt(model, loadMachine('amd-desktop'), turing, text.indexOf('10de:1ad9') + 3);
    assert.ok(hover);
    assert.equal(text.slice(hover.range.start, hover.range.end), '10de:1ad9');
    // As rendered: snapshot names are Markdown-escaped (test/untrustedContent.test.ts).
    const shown = hover.markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    assert.match(shown, /TU104 USB Type-C UCSI Controller/);
    assert.match(shown, /IOMMU group: 27/);
    assert.match(shown, /^\*\*0b:00\.3 NVIDIA TU104 USB Type-C UCSI Controller/, 'the device comes first');
    assert.match(hover.markdown, /\*vfio-pci id `10de:1ad9`\*$/, 'what the token is, last');
    assert.match(shown, /driver now: nvidia-gpu/);
    assert.match(shown, /also in the group: 0b:00\.0 NVIDIA TU104 \[GeForce RTX 2070 SUPER\]/);
    assert.equal(hoverAt(model, loadMachine('amd-desktop'), turing, text.indexOf('vfio_iommu_type1')), undefined);
  });

  it('hover on a driver_override address shows the boot timeline and what the card ends up with', async () => {
    // As rendered: Markdown escapes removed.
    const shownAt = async (scenario: string, machine: string, needle: string) => {
      const file = join(scenarioDir(scenario), 'configuration.nix');
      const model = await modelOf(file);
      const text = model.files.get(file)!.text;
      const hover = hoverAt(model, loadMachine(machine), file, text.indexOf(needle) + 2);
      assert.ok(hover, `${scenario}: a hover at ${needle}`);
      return hover.markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    };
    const early = await shownAt('guide-loop-vfio-in-kernel-modules', 'guide-desktop', '0000:0f:00.0');
    assert.match(
      early,
      /Boot order: vfio_pci \(initrd, boot\.initrd\.kernelModules[^→]*→ driver_override = vfio-pci \(initrd, boot\.initrd\.preDeviceCommands[^→]*→ vfio-pci registered before the override and nothing probes the card again: card left with no driver/,
    );
    assert.match(early, /\*vfio-pci slot `0000:0f:00\.0`\*$/, 'what the token is, still last');
    const wiki = await shownAt('loop-loads-vfio-available', 'guide-desktop', '0000:0f:00.0');
    assert.match(
      wiki,
      /Boot order: driver_override = vfio-pci \(initrd, boot\.initrd\.preDeviceCommands[^→]*, then modprobe vfio-pci → vfio-pci takes the card/,
    );
    const amdgpu = await shownAt('twin-amd-amdgpu-in-initrd', 'twin-amd', '0000:08:00.0');
    assert.match(
      amdgpu,
      /Boot order: amdgpu \(initrd, boot\.initrd\.kernelModules[^→]*→ driver_override[^→]*→ amdgpu has the card already[^:]*: card left on amdgpu/,
    );
  });

  it('hover on an id that a later ids assignment replaces says it is ignored and which one wins', async () => {
    const file = join(scenarioDir('cmdline-beats-modprobe'), 'configuration.nix');
    const model = await modelOf(file);
    const text = model.files.get(file)!.text;
    const ignored = hoverAt(model, loadMachine('amd-desktop'), file, text.indexOf('1002:73bf') + 2);
    assert.ok(ignored);
    assert.match(ignored.markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1'), /Ignored: "vfio-pci.ids=" in boot.kernelParams \(kernel command line\) comes later/);
    const winner = hoverAt(model, loadMachine('amd-desktop'), file, text.indexOf('10de:1e84') + 2);
    assert.ok(winner);
    assert.doesNotMatch(winner.markdown, /Ignored/);
  });

  it('inlay hints follow each id with its short device name', async () => {
    const model = await modelOf(turing);
    const hints = inlayHints(model, loadMachine('amd-desktop'), turing);
    assert.deepEqual(
      hints.map((hint) => hint.label),
      [' TU104 [GeForce RTX 2070 SUPER]', ' TU104 HD Audio Controller', ' TU104 USB 3.1 Host Controller', ' TU104 USB Type-C UCSI Controller'],
    );
  });

  it('completes ids after vfio-pci.ids=, GPU functions first, skipping ids already listed', async () => {
    const text = '{ boot.kernelParams = [ "vfio-pci.ids=10de:1e84,10de:1" ]; }\n';
    await withConfiguration(text, (file, model) => {
      const offset = text.indexOf('10de:1"') + '10de:1'.length;
      const items = completionsAt(model, loadMachine('amd-desktop'), file, offset);
      assert.deepEqual(
        items.map((item) => item.label),
        ['10de:10f8', '10de:1ad8', '10de:1ad9'],
      );
      assert.equal(text.slice(items[0]!.replace.start, items[0]!.replace.end), '10de:1');
      assert.deepEqual(completionsAt(model, loadMachine('amd-desktop'), file, text.indexOf('boot')), []);
    });
  });

  it('completes ids inside the elements of a let-bound list joined into the ids', async () => {
    const text =
      '{ lib, ... }:\nlet\n  gpuIds = [\n    "10de:1e84"\n    "10de:1"\n  ];\n  other = [ "10de:" ];\nin\n{\n  boot.kernelParams = [ ("vfio-pci.ids=" + lib.concatStringsSep "," gpuIds) ];\n}\n';
    await withConfiguration(text, (file, model) => {
      const offset = text.indexOf('10de:1"') + '10de:1'.length;
      const items = completionsAt(model, loadMachine('amd-desktop'), file, offset);
      assert.deepEqual(
        items.map((item) => item.label),
        ['10de:10f8', '10de:1ad8', '10de:1ad9'],
      );
      assert.equal(text.slice(items[0]!.replace.start, items[0]!.replace.end), '10de:1');
      // A list that binds nothing gets no ids.
      assert.deepEqual(completionsAt(model, loadMachine('amd-desktop'), file, text.indexOf('"10de:"') + 6), []);
    });
  });

  it('completes addresses inside a driver_override script', async () => {
    const text = "{\n  boot.initrd.preDeviceCommands = ''\n    DEVS=\"0000:0f\"\n    echo vfio-pci > /sys/bus/pci/devices/$DEV/driver_override\n  '';\n}\n";
    await withConfiguration(text, (file, model) => {
      const items = completionsAt(model, loadMachine('intel-igpu-gtx'), file, text.indexOf('0000:0f') + 7);
      assert.deepEqual(
        items.map((item) => item.label),
        ['0000:0f:00.0', '0000:0f:00.1'],
      );
    });
  });
});

describe('code lens and verify passthrough', () => {
  it('code lens counts devices, groups and vfio-pci bindings per binding string', async () => {
    const root = join(scenarioDir('turing-missing-usb-ucsi'), 'configuration.nix');
    const model = await modelOf(root);
    const lenses = codeLenses(model, loadMachine('amd-desktop'), root);
    assert.deepEqual(
      lenses.map((lens) => lens.title),
      ['2 devices · IOMMU group 27 · 0 of 2 on vfio-pci now'],
    );
  });

  it('verify reports the command line, the IOMMU and each device, with causes', async () => {
    const model = await modelOf(join(REPO_ROOT, 'examples', 'guide-desktop', 'configuration.nix'));
    const guide = loadMachine('guide-desktop');
    const report = verifyPassthrough(model, guide);
    // The example binds 0f:00.x by address; the guide machine runs them on vfio-pci already.
    assert.deepEqual(
      report.items.map((item) => [item.ok, item.what]),
      [
        [true, 'an IOMMU is active'],
        [true, '0f:00.0 NVIDIA GM204 [GeForce GTX 980] [10de:13c0] is driven by vfio-pci'],
        [true, '0f:00.1 NVIDIA GM204 High Definition Audio Controller [10de:0fbb] is driven by vfio-pci'],
      ],
    );
    const other = verifyPassthrough(await modelOf(join(scenarioDir('intel-param-present'), 'configuration.nix')), loadMachine('intel-igpu-gtx'));
    assert.equal(other.ok, false);
    const causes = other.items.filter((item) => !item.ok).map((item) => item.cause);
    assert.deepEqual(causes, [
      'the kernel command line is not known',
      'nouveau took it first: load vfio-pci in the initrd and add "softdep nouveau pre: vfio-pci", or bind it by address before the driver loads',
      'snd_hda_intel took it first: load vfio-pci in the initrd and add "softdep snd_hda_intel pre: vfio-pci", or bind it by address before the driver loads',
    ]);
  });
});

/**
 * Plans on a fixture's configuration.nix (with its `machine`) and checks the edited file: it equals
 * the reviewed expected.nix, parses (tree-sitter and nix-instantiate), leaves none of `cleared`
 * reported, and planning again on the result changes nothing.
 */
async function checkPlanOnFixture(
  dir: string,
  plan: (model: OptionModel, hardware: HardwareSnapshot) => PassthroughPlan | { error: string },
  cleared: readonly string[],
  withNix: boolean,
): Promise<FileEdit[]> {
  const root = join(dir, 'configuration.nix');
  const hardware = loadMachine(readFileSync(join(dir, 'machine'), 'utf8').trim());
  const parser = await sharedParser();
  const model = await modelOf(root);
  const planned = plan(model, hardware);
  assert.ok(!('error' in planned), JSON.stringify(planned));
  const rebuild = (texts: ReadonlyMap<string, string>) =>
    buildModel(
      root,
      diskLoader(parser, (path) => (texts.has(path) ? { text: texts.get(path)! } : undefined)),
    );
  const edits = applySteps(model, planned.steps, rebuild);
  const after = applyEdits(
    model.files.get(root)!.text,
    edits.filter((edit) => edit.file === root),
  );
  assertGolden(after, join(dir, 'expected.nix'));
  const tree = parser.parse(after);
  assert.deepEqual(syntaxErrors(tree.rootNode), []);
  tree.delete();
  if (withNix) assert.equal(nixParseError(after), undefined, `nix-instantiate --parse accepts the result:\n${after}`);
  const newModel = rebuild(new Map([[root, after]]));
  const findings = runRules(newModel, hardware).findings.map((finding) => finding.code);
  for (const code of cleared) assert.ok(!findings.includes(code), `${code} afterwards: ${findings.join(', ')}`);
  const again = plan(newModel, hardware);
  assert.ok(!('error' in again));
  assert.deepEqual(applySteps(newModel, again.steps, rebuild), [], 'a second run changes nothing');
  return edits;
}

describe('pass through this device', () => {
  const cases = join(FIXTURES, 'passthrough');
  for (const name of readdirSync(cases).sort()) {
    it(name, async (t) => {
      const dir = join(cases, name);
      const address = readFileSync(join(dir, 'device'), 'utf8').trim();
      // The result is a complete setup: nothing left to report about it, and nothing more to add.
      const cleared = [
        'intel-iommu-missing',
        'vfio-group-incomplete',
        'vfio-id-collision',
        'vfio-device-not-present',
        'vfio-modules-missing',
        'vfio-modules-too-late',
        'vfio-softdep-missing',
        'vfio-pci-before-override',
        'vfio-ids-overridden',
      ];
      const edits = await checkPlanOnFixture(dir, (model, hardware) => planPassthrough(model, hardware, address), cleared, needsNixInstantiate(t));
      assert.ok(edits.length > 0);
    });
  }
});

describe('walkthrough steps done in the configuration', () => {
  const cases = join(FIXTURES, 'setup');
  for (const name of readdirSync(cases).sort()) {
    it(name, async (t) => {
      const dir = join(cases, name);
      const step = readFileSync(join(dir, 'step'), 'utf8').trim();
      assert.ok(isSetupStep(step), step);
      const cleared = step === 'iommu' ? ['intel-iommu-missing', 'iommu-param-wrong-vendor'] : ['libvirtd-not-enabled'];
      await checkPlanOnFixture(dir, (model, hardware) => planSetupStep(model, hardware, step), cleared, needsNixInstantiate(t));
    });
  }

  it('an AMD machine needs no IOMMU parameter, and an unknown CPU is said to be unknown', async () => {
    const model = await modelOf(join(cases, 'libvirt-fresh', 'configuration.nix'));
    const amd = planSetupStep(model, loadMachine('amd-desktop'), 'iommu');
    assert.ok(!('error' in amd));
    assert.deepEqual(amd.steps, []);
    assert.match(amd.notes.join(' '), /AMD CPUs need no kernel parameter/);
    const unknown = planSetupStep(model, undefined, 'iommu');
    assert.ok('error' in unknown);
    assert.match(unknown.error, /Cannot tell whether the CPU is Intel or AMD/);
  });
});
