// Requests are answered from the latest text only, and diagnostics stay right across files:
// the bundled server over JSON-RPC (stdio), every wait for a message, nothing sleeps.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, Position, TextDocumentEdit, TextEdit } from 'vscode-languageserver';
import { LineIndex } from '../server/src/text';
import { FIXTURES } from './helpers';
import { codes, open, startServer, stopServer } from './lspSession';
import { scenarioDir } from './ruleFixtures';

const workspaces: string[] = [];
after(() => {
  for (const workspace of workspaces) rmSync(workspace, { recursive: true, force: true });
});

function newWorkspace(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-consistency-'));
  workspaces.push(workspace);
  return workspace;
}

const shifted = (position: Position, lines: number): Position => ({ line: position.line + lines, character: position.character });

describe('a request sent while an analysis waits for settings', { timeout: 60_000 }, () => {
  it('is answered on the latest text: the code action edit is on the new lines and names the new version; hover, inlay hints and code lens too', async () => {
    const workspace = newWorkspace();
    const text = readFileSync(join(scenarioDir('turing-missing-usb-ucsi'), 'configuration.nix'), 'utf8');
    const path = join(workspace, 'configuration.nix');
    writeFileSync(path, text);
    copyFileSync(join(FIXTURES, 'machines', 'amd-desktop.json'), join(workspace, 'hardware.nix-vfio.json'));
    const session = await startServer(
      workspace,
      { rules: { disabled: ['libvirtd-not-enabled'] } },
      'stdio',
      {},
      {},
      {
        workspace: { workspaceEdit: { documentChanges: true } },
      },
    );
    const statuses: { findings: number; errors?: number; warnings?: number }[] = [];
    session.connection.onNotification('nixVfio/status', (params: (typeof statuses)[number]) => statuses.push(params));
    try {
      const published = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path, text);
      const [incomplete] = (await published).diagnostics;
      assert.equal(incomplete?.code, 'vfio-group-incomplete');
      // The status counts the findings by severity (for a status bar); sent before the answer to a later request.
      await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
      assert.deepEqual(
        statuses.map(({ findings, errors, warnings }) => ({ findings, errors, warnings })),
        [{ findings: 1, errors: 1, warnings: 0 }],
      );
      const request = (diagnostic: Diagnostic) =>
        session.connection.sendRequest('textDocument/codeAction', {
          textDocument: { uri },
          range: diagnostic.range,
          context: { diagnostics: [diagnostic] },
        }) as Promise<CodeAction[]>;
      // On version 1: the edit the fix makes, to compare with the one on the edited text.
      const [before] = await request(incomplete!);
      const beforeEdits = (before!.edit!.documentChanges as TextDocumentEdit[])[0]!;
      assert.deepEqual(beforeEdits.textDocument, { uri, version: 1 });

      // Two lines inserted at the top; the editor moves the diagnostic with its text.
      const edited = `# passthrough\n# of the RTX 2070\n${text}`;
      const lines = new LineIndex(edited);
      const id = lines.positionAt(edited.indexOf('10de:10f8') + 2);
      const moved: Diagnostic = { ...incomplete!, range: { start: shifted(incomplete!.range.start, 2), end: shifted(incomplete!.range.end, 2) } };
      let answers: Promise<[CodeAction[], { contents: { value: string } } | null, { label: string; position: Position }[], { range: { start: Position } }[]]>;
      // A settings change makes the next analysis ask workspace/configuration again; the
      // change and the requests come while it waits for the answer.
      const answered = session.beforeNextConfigurationAnswer(() => {
        void session.connection.sendNotification('textDocument/didChange', {
          textDocument: { uri, version: 2 },
          contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# passthrough\n# of the RTX 2070\n' }],
        });
        answers = Promise.all([
          request(moved),
          session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: id }) as Promise<{ contents: { value: string } } | null>,
          session.connection.sendRequest('textDocument/inlayHint', {
            textDocument: { uri },
            range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
          }) as Promise<{ label: string; position: Position }[]>,
          session.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as Promise<{ range: { start: Position } }[]>,
        ]);
      });
      void session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await answered;
      const [actions, hover, hints, lenses] = await answers!;

      assert.equal(actions.length, 1);
      const after = (actions[0]!.edit!.documentChanges as TextDocumentEdit[])[0]!;
      assert.deepEqual(after.textDocument, { uri, version: 2 }, 'the edit names the version it was computed on');
      assert.deepEqual(
        after.edits.map((edit: TextEdit) => ({ ...edit, range: { start: shifted(edit.range.start, -2), end: shifted(edit.range.end, -2) } })),
        beforeEdits.edits,
        'the same edit, two lines further down',
      );
      assert.equal(actions[0]!.edit!.changes, undefined, 'versioned edits only, when the client takes them');

      assert.match(hover?.contents.value ?? '', /TU104 HD Audio Controller/, 'hover at the id on the edited text');
      const idLine = lines.positionAt(edited.indexOf('10de:1e84')).line;
      assert.deepEqual(
        hints.map((hint) => hint.position.line),
        [idLine, idLine],
        'inlay hints on the id line of the edited text',
      );
      assert.deepEqual(
        lenses.map((lens) => lens.range.start.line),
        [lines.positionAt(edited.indexOf("''")).line],
      );
    } finally {
      await stopServer(session);
    }
  });

  it('sends plain changes to a client that does not take versioned edits', async () => {
    const workspace = newWorkspace();
    const path = join(workspace, 'configuration.nix');
    const text = '{\n  boot.kernelParams = [ "a b" ];\n}\n';
    writeFileSync(path, text);
    const session = await startServer(workspace, {});
    try {
      const published = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path, text);
      const diagnostic = (await published).diagnostics.find((candidate) => candidate.code === 'kernel-param-unquoted-space')!;
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      })) as CodeAction[];
      assert.ok(actions.length > 0);
      for (const action of actions) {
        assert.equal(action.edit!.documentChanges, undefined);
        assert.ok(action.edit!.changes![uri]!.length > 0);
      }
    } finally {
      await stopServer(session);
    }
  });
});

describe('closing the file that imports an open one', { timeout: 60_000 }, () => {
  it('a file of no known host: the open import is analysed alone instead of losing its diagnostics', async () => {
    const workspace = newWorkspace();
    // machine.nix is no host (not configuration.nix, flake.nix or hosts/<name>/): it is analysed alone, with what it imports.
    const machine = join(workspace, 'machine.nix');
    const module = join(workspace, 'vfio.nix');
    writeFileSync(machine, '{ imports = [ ./vfio.nix ]; }\n');
    writeFileSync(module, '{\n  boot.kernelParams = [ "a b" ];\n}\n');
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled'] } });
    try {
      const moduleUri = pathToFileURL(module).href;
      const throughMachine = session.diagnostics(moduleUri);
      const machineUri = open(session, machine);
      assert.deepEqual(codes((await throughMachine).diagnostics), ['kernel-param-unquoted-space']);
      const opened = session.diagnostics(moduleUri, (params) => params.version === 1);
      open(session, module);
      assert.deepEqual(codes((await opened).diagnostics), ['kernel-param-unquoted-space']);

      const mark = session.published.length;
      const again = session.diagnostics(moduleUri);
      void session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: machineUri } });
      assert.deepEqual(codes((await again).diagnostics), ['kernel-param-unquoted-space']);
      // Answered after the analyses the close caused: everything they published has arrived.
      await session.connection.sendRequest('textDocument/hover', { textDocument: { uri: moduleUri }, position: { line: 1, character: 4 } });
      const forModule = session.published.slice(mark).filter((params) => params.uri === moduleUri);
      assert.ok(forModule.length > 0);
      assert.deepEqual(codes(forModule.at(-1)!.diagnostics), ['kernel-param-unquoted-space'], 'the open import keeps its findings');
      assert.ok(
        forModule.every((params) => params.diagnostics.length > 0),
        'never cleared in between',
      );
    } finally {
      await stopServer(session);
    }
  });

  it("a host's configuration.nix closed with unsaved text: its open import is checked against the saved file", async () => {
    const workspace = newWorkspace();
    const root = join(workspace, 'configuration.nix');
    const module = join(workspace, 'modules', 'vfio.nix');
    mkdirSync(dirname(module));
    // Saved: an AMD host, so the Intel flag in the module is for the wrong vendor. In the editor (unsaved): an Intel one.
    writeFileSync(root, '{ imports = [ ./modules/vfio.nix ]; boot.kernelModules = [ "kvm-amd" ]; }\n');
    writeFileSync(module, '{\n  boot.kernelParams = [ "intel_iommu=on" ];\n}\n');
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled', 'vfio-modules-missing', 'iommu-pt-info'] } });
    try {
      const moduleUri = pathToFileURL(module).href;
      const rootUri = open(session, root, '{ imports = [ ./modules/vfio.nix ]; boot.kernelModules = [ "kvm-intel" ]; }\n');
      const opened = session.diagnostics(moduleUri, (params) => params.version === 1);
      open(session, module);
      assert.deepEqual(codes((await opened).diagnostics), []);
      // Answered once the analyses of both opens are done.
      await session.connection.sendRequest('textDocument/hover', { textDocument: { uri: moduleUri }, position: { line: 1, character: 4 } });

      const mark = session.published.length;
      const saved = session.diagnostics(moduleUri, (params) => params.diagnostics.length > 0);
      void session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: rootUri } });
      const checked = await saved;
      assert.deepEqual(codes(checked.diagnostics), ['iommu-param-wrong-vendor'], 'the saved configuration (kvm-amd) is what the module is checked against now');
      assert.equal(checked.version, 1);
      // Answered after the analyses the close caused: everything they published has arrived.
      await session.connection.sendRequest('textDocument/hover', { textDocument: { uri: moduleUri }, position: { line: 1, character: 4 } });
      assert.deepEqual(
        session.published
          .slice(mark)
          .filter((params) => params.uri === moduleUri)
          .map((params) => codes(params.diagnostics)),
        [['iommu-param-wrong-vendor']],
        'published once, never cleared in between',
      );
    } finally {
      await stopServer(session);
    }
  });
});

describe('an imported file changed on disk while closed', { timeout: 60_000 }, () => {
  it('is watched (**/*.nix) and re-read for the configurations that import it, and only those', async () => {
    const workspace = newWorkspace();
    const root = join(workspace, 'configuration.nix');
    const module = join(workspace, 'vfio.nix');
    const other = join(workspace, 'other', 'scratch.nix');
    mkdirSync(dirname(other));
    writeFileSync(root, '{ imports = [ ./vfio.nix ]; }\n');
    writeFileSync(module, '{\n  boot.kernelParams = [ "quiet" ];\n}\n');
    const session = await startServer(
      workspace,
      { rules: { disabled: ['libvirtd-not-enabled', 'vfio-modules-missing', 'iommu-pt-info'] } },
      'stdio',
      {},
      {},
      {
        workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
      },
    );
    try {
      const moduleUri = pathToFileURL(module).href;
      const first = session.diagnostics(moduleUri);
      open(session, root);
      assert.deepEqual(codes((await first).diagnostics), []);
      const otherUri = pathToFileURL(other).href;
      const otherPublished = session.diagnostics(otherUri);
      open(session, other, '{ boot.kernelParams = [ "c d" ]; }\n');
      assert.deepEqual(codes((await otherPublished).diagnostics), ['kernel-param-unquoted-space']);
      const watchers = session.registrations
        .filter((registration) => registration.method === 'workspace/didChangeWatchedFiles')
        .flatMap((registration) => (registration.registerOptions as { watchers: { globPattern: string }[] }).watchers.map((watcher) => watcher.globPattern));
      assert.ok(watchers.includes('**/*.nix'), `watchers: ${watchers.join(', ')}`);

      const mark = session.published.length;
      writeFileSync(module, '{\n  boot.kernelParams = [ "a b" ];\n}\n');
      const changed = session.diagnostics(moduleUri);
      void session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: moduleUri, type: 2 }] });
      const after = await changed;
      assert.deepEqual(codes(after.diagnostics), ['kernel-param-unquoted-space']);
      assert.equal(after.diagnostics[0]!.range.start.line, 1);
      await session.connection.sendRequest('textDocument/hover', { textDocument: { uri: otherUri }, position: { line: 0, character: 0 } });
      assert.deepEqual(
        session.published.slice(mark).filter((params) => params.uri === otherUri),
        [],
        'a configuration that does not import the file is not analysed again',
      );
    } finally {
      await stopServer(session);
    }
  });

  it('without watchers (no dynamic registration), is read again by the next analysis of its configuration', async () => {
    const workspace = newWorkspace();
    const root = join(workspace, 'configuration.nix');
    const module = join(workspace, 'vfio.nix');
    writeFileSync(root, '{ imports = [ ./vfio.nix ]; }\n');
    writeFileSync(module, '{\n  boot.kernelParams = [ "quiet" ];\n}\n');
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled', 'vfio-modules-missing', 'iommu-pt-info'] } });
    try {
      const moduleUri = pathToFileURL(module).href;
      const first = session.diagnostics(moduleUri);
      const rootUri = open(session, root);
      assert.deepEqual(codes((await first).diagnostics), []);
      assert.deepEqual(session.registrations, [], 'nothing is registered with a client that cannot take it');
      writeFileSync(module, '{\n  boot.kernelParams = [ "a b" ];\n}\n');
      const changed = session.diagnostics(moduleUri);
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: rootUri, version: 2 },
        contentChanges: [{ text: '{ imports = [ ./vfio.nix ]; } # edited\n' }],
      });
      assert.deepEqual(codes((await changed).diagnostics), ['kernel-param-unquoted-space']);
    } finally {
      await stopServer(session);
    }
  });
});
