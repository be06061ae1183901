// The language server stays responsive: an analysis runs its rules in slices within a budget
// (runRulesInSlices), a hover about one document is answered while a huge one is being analysed,
// and a storm of interleaved requests, $/cancelRequest and bursts of edits leaves hover, code
// actions and diagnostics answering, and answering right. Waits are for messages, never sleeps;
// hang guards fail a test that does not finish.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, Diagnostic, Hover } from 'vscode-languageserver';
import { runRules, runRulesInSlices } from '../server/src/analysis/analyze';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { LineIndex } from '../server/src/text';
import { sharedParser } from './helpers';
import { open, Session, startServer, stopServer } from './lspSession';
import { manySpecialisations } from './pathologicalInputs';
import { loadMachine } from './ruleFixtures';

const SMALL = '{ ... }:\n{\n  boot.kernelParams = [ "amd_iommu=on" "vfio-pci.ids=10de:1e84" ];\n}\n';
const ID_OFFSET = SMALL.indexOf('10de:1e84') + 2;

describe('analysis in slices within a budget', () => {
  it('gives the same findings as runRules when the budget suffices', async () => {
    const parser = await sharedParser();
    const text = manySpecialisations(50);
    const model = buildModel(
      '/c.nix',
      diskLoader(parser, () => ({ text })),
    );
    const whole = runRules(model, loadMachine('amd-desktop'));
    const sliced = await runRulesInSlices(model, loadMachine('amd-desktop'), undefined, { totalMs: 60_000, sliceMs: 0 });
    assert.equal(sliced.incomplete, false);
    assert.deepEqual(sliced.findings, whole.findings);
  });

  it('past the budget keeps what the finished rules found and adds one file-too-complex info', async () => {
    const parser = await sharedParser();
    const text = manySpecialisations(50);
    const model = buildModel(
      '/c.nix',
      diskLoader(parser, () => ({ text })),
    );
    const whole = runRules(model, loadMachine('amd-desktop'));
    const cut = await runRulesInSlices(model, loadMachine('amd-desktop'), undefined, { totalMs: 0, sliceMs: 0 });
    assert.equal(cut.incomplete, true);
    const budget = cut.findings.filter((finding) => finding.code === 'file-too-complex');
    assert.equal(budget.length, 1);
    assert.equal(budget[0]?.severity, 'info');
    assert.equal(budget[0]?.file, '/c.nix');
    assert.match(budget[0]!.message, /too complex to check fully within 0 s/);
    const known = new Set(whole.findings.map((finding) => JSON.stringify(finding)));
    for (const finding of cut.findings) if (finding !== budget[0]) assert.ok(known.has(JSON.stringify(finding)), 'nothing the full analysis would not say');
  });
});

describe('a responsive server', { timeout: 120_000 }, () => {
  let workspace: string;
  let session: Session;
  let small: string;
  let smallUri: string;
  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-responsive-'));
    mkdirSync(join(workspace, 'small'));
    mkdirSync(join(workspace, 'huge'));
    writeFileSync(join(workspace, 'machine.json'), JSON.stringify(loadMachine('amd-desktop')));
    small = join(workspace, 'small', 'configuration.nix');
    writeFileSync(small, SMALL);
    session = await startServer(workspace, { hardware: { snapshotFile: join(workspace, 'machine.json') } });
    smallUri = open(session, small, SMALL);
    await session.diagnostics(smallUri, (params) => params.diagnostics.some((diagnostic) => diagnostic.code === 'amd-iommu-on-invalid'));
  });
  after(async () => {
    await stopServer(session);
    rmSync(workspace, { recursive: true, force: true });
  });

  const hoverSmall = (): Promise<Hover | null> =>
    session.connection.sendRequest('textDocument/hover', { textDocument: { uri: smallUri }, position: new LineIndex(SMALL).positionAt(ID_OFFSET) });

  it('answers a hover on one file while a huge one is being analysed', { timeout: 60_000 }, async () => {
    const huge = join(workspace, 'huge', 'configuration.nix');
    const text = manySpecialisations(5_000);
    writeFileSync(huge, text);
    const events: string[] = [];
    let hover: Promise<Hover | null> | undefined;
    // The hover is sent once the huge file's analysis has its settings, i.e. while it runs.
    const answered = session.beforeNextConfigurationAnswer(() => {
      setImmediate(() => {
        hover = hoverSmall();
        void hover.then(() => events.push('hover'));
      });
    });
    const hugeUri = open(session, huge, text);
    const published = session.diagnostics(hugeUri).then((params) => {
      events.push('huge diagnostics');
      return params;
    });
    await answered;
    const diagnostics = await published;
    const result = await hover!;
    assert.deepEqual(events, ['hover', 'huge diagnostics'], 'the hover was answered before the huge analysis ended');
    assert.ok(result && typeof result.contents === 'object' && 'value' in result.contents);
    assert.match(result.contents.value, /0b\\?:00\\?\.0/, 'the hover names the device the id takes');
    // The huge file gets its findings, or (on a slow machine) what was found plus the budget note.
    const codes = new Set(diagnostics.diagnostics.map((diagnostic) => String(diagnostic.code)));
    assert.ok(codes.has('amd-iommu-on-invalid') || codes.has('file-too-complex'), [...codes].join(' '));
    await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: hugeUri } });
  });

  it('survives a storm of requests, cancellations and edits, then answers right', { timeout: 60_000 }, async () => {
    const path = join(workspace, 'small', 'storm.nix');
    let text = '{ ... }:\n{\n  boot.kernelModules = [ "vfio_pci" ];\n}\n';
    writeFileSync(path, text);
    const uri = open(session, path, text);
    let version = 1;
    const pending: Promise<unknown>[] = [];
    let id = 0;
    for (let round = 0; round < 200; round++) {
      // A burst of edits: append a line, then take it away again (the text ends where it began).
      const line = text.split('\n').length - 2;
      const added = `  # note ${round}\n`;
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: added }],
      });
      // Interleaved requests on both files, some cancelled at once.
      for (const target of [uri, smallUri]) {
        const position = { line: 2, character: 20 };
        const requests: [string, object][] = [
          ['textDocument/hover', { textDocument: { uri: target }, position }],
          ['textDocument/codeAction', { textDocument: { uri: target }, range: { start: position, end: position }, context: { diagnostics: [] } }],
          ['textDocument/completion', { textDocument: { uri: target }, position }],
        ];
        for (const [method, params] of requests) {
          const requestId = ++id;
          const sent = session.connection.sendRequest(method, params).catch((error: Error) => error);
          pending.push(sent);
          if (requestId % 3 === 0) void session.connection.sendNotification('$/cancelRequest', { id: requestId });
        }
      }
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' }],
      });
    }
    // Every request got an answer (a result or a cancellation error), none hung.
    const answers = await Promise.all(pending);
    assert.equal(answers.length, 200 * 6);
    // Then a real edit: its diagnostics come, for its version, and say the right thing.
    text = '{ ... }:\n{\n  boot.kernelModules = [ "vfio pci" ];\n}\n';
    const finalVersion = ++version;
    const final = session.diagnostics(uri, (params) => params.version === finalVersion);
    void session.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: finalVersion }, contentChanges: [{ text }] });
    const published = await final;
    assert.deepEqual(
      published.diagnostics.map((diagnostic) => diagnostic.code),
      ['module-name-with-spaces'],
    );
    const diagnostic: Diagnostic = published.diagnostics[0]!;
    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    assert.ok(actions.length > 0, 'the finding still has its quick fix');
    const edit = actions[0]?.edit?.changes?.[uri] ?? [];
    assert.ok(edit.length > 0 && edit.every((change) => change.range.start.line === 2), JSON.stringify(actions[0]?.edit));
    const hover = await hoverSmall();
    assert.ok(hover && typeof hover.contents === 'object' && 'value' in hover.contents && /0b\\?:00\\?\.0/.test(hover.contents.value));
  });
});
