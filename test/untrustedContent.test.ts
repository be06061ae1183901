// What a snapshot file holds never reaches a message as text: JSON errors name a position, and
// the strings a snapshot carries (device and vendor names, drivers) are made inert before they
// are shown in hovers (Markdown), inlay hints, diagnostics and the terminal.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { runCli } from '../server/src/cli/main';
import { hoverAt } from '../server/src/editor/hover';
import { inlayHints } from '../server/src/editor/inlayHints';
import { verifyPassthrough } from '../server/src/editor/verify';
import { markdownText, snapshotText } from '../server/src/hardware/displayText';
import { groupsTable } from '../server/src/hardware/groupsTable';
import { jsonErrorOffset } from '../server/src/hardware/jsonSyntax';
import { HardwareSnapshot, parseSnapshot } from '../server/src/hardware/snapshot';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { FIXTURES, seededRandom, sharedParser } from './helpers';
import { loadMachine, scenarioDir } from './ruleFixtures';

const SECRET = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI';
const MACHINES = join(FIXTURES, 'machines');
const machineTexts = readdirSync(MACHINES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => readFileSync(join(MACHINES, name), 'utf8'));

/** Characters that must never come out of a snapshot string into a message. */
const INERT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('snapshot JSON errors name a position, never the text', () => {
  it('jsonErrorOffset agrees with JSON.parse on seeded mutations of every fixture machine', () => {
    const random = seededRandom(17);
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u12', '\\x', '-', '0', '01', '1.', '1e', 'tru', 'null', ' ', '\n', '\u0001', '\u00e9'];
    let checked = 0;
    for (const text of machineTexts) {
      assert.equal(jsonErrorOffset(text), undefined);
      for (let round = 0; round < 300; round++) {
        let mutated = text;
        for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
          const at = Math.floor(random() * (mutated.length + 1));
          const cut = random() < 0.5 ? Math.floor(random() * 4) : 0;
          mutated = mutated.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + mutated.slice(at + cut);
        }
        assert.equal(jsonErrorOffset(mutated) === undefined, jsonParses(mutated), JSON.stringify(mutated.slice(0, 200)));
        checked++;
      }
    }
    for (const text of [
      '',
      ' ',
      '[',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '01',
      '-',
      '1.e3',
      '"\\u00g0"',
      '[1 2]',
      '{}x',
      '"\t"',
      '[[[[[]]]]]',
      '{"a":{"b":[{}]}}',
    ]) {
      assert.equal(jsonErrorOffset(text) === undefined, jsonParses(text), JSON.stringify(text));
    }
    assert.ok(checked > 1000);
  });

  it('a file that is not JSON is reported by line and column, without its text', () => {
    const result = parseSnapshot(`{\n  "format": "nix-vfio-hardware",\n  ${SECRET}\n}`);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      ['not valid JSON at line 3, column 3'],
    );
    assert.equal(result.problems[0]?.offset, `{\n  "format": "nix-vfio-hardware",\n  `.length);
    const plain = parseSnapshot(SECRET);
    assert.ok(!plain.ok && plain.problems[0]?.message === 'not valid JSON at line 1, column 1');
  });

  it('no validation message repeats a value from the file', () => {
    const marker = 'SECRETMARK';
    const good = JSON.parse(machineTexts[0]!);
    const variants: unknown[] = [
      { ...good, version: marker },
      { ...good, version: [marker] },
      { ...good, format: marker },
      { ...good, source: { kind: marker } },
      { ...good, cpu: { vendor: marker, virtualization: marker, model: 7 } },
      { ...good, iommu: { active: marker } },
      { ...good, kernel: marker },
      { ...good, devices: [{ ...good.devices[0], address: marker, vendor: marker, class: marker, iommuGroup: marker, driver: 5, bootVga: marker }] },
      { ...good, devices: [good.devices[0], good.devices[0]] },
      marker,
      [marker],
    ];
    for (const variant of variants) {
      const result = parseSnapshot(JSON.stringify(variant));
      assert.equal(result.ok, false, JSON.stringify(variant).slice(0, 80));
      if (result.ok) continue;
      for (const problem of result.problems) assert.ok(!problem.message.includes(marker) && !problem.path.includes(marker), problem.message);
    }
  });

  it('a snapshot saved with a UTF-8 byte order mark is read', () => {
    const result = parseSnapshot(`\ufeff${machineTexts[0]}`);
    assert.ok(result.ok);
    const broken = parseSnapshot('\ufeff{\n x');
    assert.ok(!broken.ok && broken.problems[0]?.message === 'not valid JSON at line 2, column 2' && broken.problems[0]?.offset === 4);
  });

  it('the CLI names the position of the fault and not the text', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-secret-'));
    try {
      writeFileSync(join(dir, 'configuration.nix'), '{ boot.kernelParams = [ "intel_iommu=on" ]; }\n');
      writeFileSync(join(dir, 'snapshot.json'), `${SECRET}\n`);
      let stderr = '';
      let stdout = '';
      const code = await runCli(['check', 'configuration.nix', '--hardware', 'snapshot.json'], {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        cwd: dir,
      });
      assert.equal(code, 2);
      assert.match(stderr, /not valid JSON at line 1, column 1/);
      assert.ok(!`${stdout}${stderr}`.includes('AWS') && !`${stdout}${stderr}`.includes('wJalr'), stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A fixture machine with hostile names on every device, driver and the kernel release. */
function hostileMachine(name = 'amd-desktop'): HardwareSnapshot {
  const machine = loadMachine(name);
  const hostile =
    'Evil [click](https://evil.example/x) ![img](https://evil.example/i.png) <img src=x onerror=alert(1)> www.evil.example `code` **bold**\n# heading\u202e\u0007\u001b[31m';
  return {
    ...machine,
    kernel: { ...machine.kernel, release: `6.8.0 ${hostile}` },
    devices: machine.devices.map((device) => ({
      ...device,
      vendorName: hostile,
      deviceName: `${hostile} ${'x'.repeat(500)}`,
      driver: device.driver ? `${device.driver}\n[x](https://evil.example)` : device.driver,
    })),
  };
}

describe('snapshot strings are inert where they are shown', () => {
  it('snapshotText drops control and format characters and bounds the length; markdownText escapes all punctuation', () => {
    assert.equal(snapshotText('a\nb\u202ec\u0000d\te'), 'a b c d e');
    assert.equal([...snapshotText('y'.repeat(1000))].length, 100);
    assert.equal(markdownText('[a](b) <c> !d'), '\\[a\\]\\(b\\) \\<c\\> \\!d');
  });

  it('hover Markdown renders the names as text: no link, image, HTML, autolink or line break from the snapshot', async () => {
    const turing = join(scenarioDir('turing-complete'), 'configuration.nix');
    const model = buildModel(turing, diskLoader(await sharedParser()));
    const text = model.files.get(turing)!.text;
    const hover = hoverAt(model, hostileMachine(), turing, text.indexOf('10de:1ad9') + 3);
    assert.ok(hover);
    // Every `[`, `<`, `!`, `(` and `:` the hover holds is escaped, so nothing opens a link, image or tag.
    assert.doesNotMatch(hover.markdown, /(^|[^\\])[[<!]/);
    assert.doesNotMatch(hover.markdown, /(^|[^\\]):\/\//);
    assert.doesNotMatch(hover.markdown, /www\.evil/);
    for (const line of hover.markdown.split('\n')) assert.doesNotMatch(line, INERT);
    // The names are still there, as text; the snapshot cannot start a heading on a line of its own.
    assert.match(hover.markdown, /Evil \\\[click\\\]/);
    assert.ok(!hover.markdown.split('\n').some((line) => line.startsWith('#')));
  });

  it('inlay hints, diagnostics, verify and the groups table carry no control characters and bounded names', async () => {
    const turing = join(scenarioDir('turing-complete'), 'configuration.nix');
    const model = buildModel(turing, diskLoader(await sharedParser()));
    const machine = hostileMachine();
    const hints = inlayHints(model, machine, turing);
    assert.ok(hints.length > 0);
    for (const hint of hints) {
      assert.doesNotMatch(hint.label, INERT);
      assert.ok(hint.label.length < 250, hint.label);
    }
    const shared = join(scenarioDir('laptop-shared-group'), 'configuration.nix');
    const sharedModel = buildModel(shared, diskLoader(await sharedParser()));
    for (const [checked, on] of [
      [model, machine],
      [sharedModel, hostileMachine('intel-laptop-shared')],
    ] as const) {
      const analysis = runRules(checked, on, { disabledRules: [], nixosRelease: '25.11' });
      for (const finding of analysis.findings) assert.doesNotMatch(finding.message, INERT, finding.message);
      if (checked === sharedModel)
        assert.ok(
          analysis.findings.some((finding) => finding.message.includes('Evil')),
          'the shared-group finding names the devices',
        );
    }
    for (const item of verifyPassthrough(model, machine).items) assert.doesNotMatch(`${item.what} ${item.cause ?? ''}`, INERT);
    for (const line of groupsTable(machine).split('\n')) assert.doesNotMatch(line, INERT);
  });
});
