// The bundled language server, spawned as VS Code would, spoken to over real JSON-RPC (stdio).
// Every wait is for a notification or a response; nothing sleeps.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodeAction, TextEdit } from 'vscode-languageserver';
import { LineIndex } from '../server/src/text';
import { writeSysfsTree } from './hardware/sysfsTree';
import { FIXTURES } from './helpers';
import { codes, open, Session, startServer, stopServer } from './lspSession';
import { loadMachine } from './ruleFixtures';
import { scenarioDir } from './ruleFixtures';

describe('language server over JSON-RPC', { timeout: 30_000 }, () => {
  let workspace: string;
  let session: Session;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-lsp-'));
    const source = scenarioDir('intel-with-amd-param');
    copyFileSync(join(source, 'configuration.nix'), join(workspace, 'configuration.nix'));
    copyFileSync(join(FIXTURES, 'machines', 'intel-igpu-gtx.json'), join(workspace, 'hardware.nix-vfio.json'));
    // Focused on the IOMMU flag findings; the module and libvirt advice has its own fixtures.
    session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled', 'vfio-modules-missing', 'iommu-pt-info'] } });
  });

  after(async () => {
    await stopServer(session);
    rmSync(workspace, { recursive: true, force: true });
  });

  it('publishes findings on open, fixes one with a code action, and clears it after the edit', async () => {
    const path = join(workspace, 'configuration.nix');
    const text = readFileSync(path, 'utf8');
    const published = session.diagnostics(pathToFileURL(path).href);
    const uri = open(session, path, text);
    const first = await published;
    assert.equal(first.version, 1);
    assert.deepEqual(codes(first.diagnostics), ['intel-iommu-missing', 'iommu-param-wrong-vendor']);
    assert.ok(session.configurationRequests > 0, 'settings come from workspace/configuration');
    for (const diagnostic of first.diagnostics) {
      // The docs link opens the rule's own section of the rules.md that ships with the server.
      const href = diagnostic.codeDescription?.href ?? '';
      const [file = '', anchor] = href.split('#');
      assert.equal(anchor, diagnostic.code);
      assert.ok(readFileSync(fileURLToPath(file), 'utf8').includes(`### \`${anchor}\``), `${href} names a documented rule`);
    }

    const wrongVendor = first.diagnostics.find((diagnostic) => diagnostic.code === 'iommu-param-wrong-vendor')!;
    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: wrongVendor.range,
      context: { diagnostics: [wrongVendor] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    assert.match(actions[0]!.title, /Replace "amd_iommu=on" with "intel_iommu=on"/);
    const edits = actions[0]!.edit!.changes![uri] as TextEdit[];
    assert.equal(edits.length, 1);

    // Send the edit back as an incremental change, as the editor does after applying it.
    const lines = new LineIndex(text);
    const start = lines.offsetAt(edits[0]!.range.start);
    const end = lines.offsetAt(edits[0]!.range.end);
    assert.equal(text.slice(start, end), '"amd_iommu=on"');
    const next = session.diagnostics(uri, (params) => params.version === 2);
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: edits[0]!.range, text: edits[0]!.newText }],
    });
    const second = await next;
    assert.deepEqual(codes(second.diagnostics), []);
  });

  it('keeps only the latest version after a burst of changes', async () => {
    const path = join(workspace, 'burst.nix');
    const uri = pathToFileURL(path).href;
    const opened = session.diagnostics(uri);
    open(session, path, '{ boot.kernelParams = [ ]; }');
    await opened;
    const last = session.diagnostics(uri, (params) => params.version === 40);
    const firstIndex = session.published.length;
    for (let version = 2; version <= 40; version++) {
      // Each change rewrites the list: odd versions hold a broken param, even ones a clean one.
      const text = version % 2 === 0 ? '{ boot.kernelParams = [ "quiet" ]; }' : '{ boot.kernelParams = [ "a b" ]; }';
      void session.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    }
    const final = await last;
    assert.deepEqual(codes(final.diagnostics), []);
    const seen = session.published
      .slice(firstIndex)
      .filter((params) => params.uri === uri)
      .map((params) => params.version!);
    assert.ok(
      seen.every((version, index) => index === 0 || version >= seen[index - 1]!),
      'versions never go backwards',
    );
  });

  it('ignores a change older than the text it holds', async () => {
    const path = join(workspace, 'ordered.nix');
    const uri = pathToFileURL(path).href;
    const opened = session.diagnostics(uri);
    open(session, path, '{ boot.kernelParams = [ ]; }');
    await opened;
    const third = session.diagnostics(uri, (params) => params.version === 3);
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ text: '{ boot.kernelParams = [ "quiet" ]; }' }],
    });
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: '{ boot.kernelParams = [ "a b" ]; }' }],
    });
    const fourth = session.diagnostics(uri, (params) => params.version === 4);
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 4 },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' }],
    });
    assert.deepEqual(codes((await third).diagnostics), []);
    assert.deepEqual(codes((await fourth).diagnostics), [], 'version 2 was not applied on top of version 3');
    assert.ok(!session.published.some((params) => params.uri === uri && params.version === 2));
  });

  it('clears the diagnostics of a file closed while its analysis is pending', async () => {
    const path = join(workspace, 'closing.nix');
    const uri = pathToFileURL(path).href;
    const opened = session.diagnostics(uri);
    open(session, path, '{ boot.kernelParams = [ "a b" ]; }');
    assert.deepEqual(codes((await opened).diagnostics), ['kernel-param-unquoted-space']);
    const cleared = session.diagnostics(uri, (params) => params.diagnostics.length === 0);
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: '{ boot.kernelParams = [ "c d" ]; }' }],
    });
    void session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await cleared;
    // A request after the close is answered, so anything the server was going to send has been sent.
    await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    const last = session.published.filter((params) => params.uri === uri).pop()!;
    assert.deepEqual(last.diagnostics, [], 'nothing is published for the closed file after its diagnostics were cleared');
  });

  it('publishes nothing for a file closed while its analysis waits for settings', async () => {
    // A new file's settings are not cached yet: its first analysis waits on workspace/configuration.
    const path = join(workspace, 'closed-midway.nix');
    const uri = pathToFileURL(path).href;
    // Saved on disk too, as a file usually is when it is closed.
    writeFileSync(path, '{ boot.kernelParams = [ "a b" ]; }');
    const firstIndex = session.published.length;
    const answered = session.beforeNextConfigurationAnswer(() => {
      void session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    });
    open(session, path);
    await answered;
    // Sent after the answer, so answered after the waiting analysis went on: what it sent has arrived.
    await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    const afterClose = session.published.slice(firstIndex).filter((params) => params.uri === uri && params.diagnostics.length > 0);
    assert.deepEqual(afterClose, [], 'no diagnostics for a closed file');
  });

  it('publishes only the latest version when changes arrive while an analysis waits for settings', async () => {
    const path = join(workspace, 'changed-midway.nix');
    const uri = pathToFileURL(path).href;
    const firstIndex = session.published.length;
    const answered = session.beforeNextConfigurationAnswer(() => {
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: '{ boot.kernelParams = [ "c d" ]; }' }],
      });
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 3 },
        contentChanges: [{ text: '{ boot.kernelParams = [ "quiet" ]; }' }],
      });
    });
    const latest = session.diagnostics(uri, (params) => params.version === 3);
    open(session, path, '{ boot.kernelParams = [ "a b" ]; }');
    await answered;
    assert.deepEqual(codes((await latest).diagnostics), []);
    await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    const versions = session.published
      .slice(firstIndex)
      .filter((params) => params.uri === uri)
      .map((params) => params.version);
    assert.deepEqual([...new Set(versions)], [3], 'only the latest text is published');
  });

  it('reports broken Nix as a syntax finding and keeps answering', async () => {
    const path = join(workspace, 'broken.nix');
    const uri = pathToFileURL(path).href;
    const published = session.diagnostics(uri);
    open(session, path, '{ boot.kernelParams = [ "intel_iommu=on" ;\n');
    const result = await published;
    assert.ok(codes(result.diagnostics).includes('syntax-error'));
    const trailingComma = session.diagnostics(pathToFileURL(join(workspace, 'formals.nix')).href);
    open(session, join(workspace, 'formals.nix'), '{ config, pkgs, }:\n{ boot.kernelParams = [ "quiet" ]; }\n');
    assert.deepEqual(codes((await trailingComma).diagnostics), [], 'a trailing comma in formals is valid Nix');
  });

  it('answers an oversized file with one message instead of analysing it', async () => {
    const path = join(workspace, 'huge.nix');
    const uri = pathToFileURL(path).href;
    const published = session.diagnostics(uri);
    open(session, path, '{ a = [\n' + '  "x"\n'.repeat(500_000) + ']; }\n');
    const result = await published;
    assert.deepEqual(codes(result.diagnostics), ['file-too-large']);
  });

  it('stays up and answers after junk documents', async () => {
    const junk = ['['.repeat(10_000), '{ a = "\ud800\u0000', '\u0000'.repeat(1000), "''${", '{ boot.kernelParams = [ "x" ]; }'.repeat(3000)];
    const last = join(workspace, 'junk-4.nix');
    const settled = session.diagnostics(pathToFileURL(last).href);
    junk.forEach((text, index) => open(session, join(workspace, `junk-${index}.nix`), text));
    await settled;
    const hover = await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: pathToFileURL(last).href },
      position: { line: 0, character: 3 },
    });
    assert.equal(hover, null);
    assert.equal(session.process.exitCode, null, 'the server is still running');
  });

  it('reports an unusable hardware snapshot once, on the configuration', async () => {
    const dir = mkdtempSync(join(workspace, 'host-'));
    const path = join(dir, 'configuration.nix');
    writeFileSync(join(dir, 'hardware.nix-vfio.json'), '{ "format": "nix-vfio-hardware", "version": 99 ');
    const uri = pathToFileURL(path).href;
    const published = session.diagnostics(uri);
    open(session, path, '{ boot.kernelParams = [ "intel_iommu=on" ]; }\n');
    const result = await published;
    assert.deepEqual(codes(result.diagnostics), ['hardware-snapshot-unusable']);
    assert.match(result.diagnostics[0]!.message, /not valid JSON/);
  });
});

describe('language server over node IPC', { timeout: 30_000 }, () => {
  it('publishes on open and change, offers a fix, follows changed settings, and shuts down', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-ipc-'));
    // The same object answers every workspace/configuration request, so changing it changes the settings.
    const rules = { disabled: [] as string[] };
    const session = await startServer(workspace, { rules }, 'ipc');
    try {
      const path = join(workspace, 'configuration.nix');
      const text = '{ boot.kernelParams = [ "amd_iommu=on" ]; boot.kernelModules = [ "kvm-amd" ]; }\n';
      const published = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path, text);
      const first = await published;
      assert.deepEqual(codes(first.diagnostics), ['amd-iommu-on-invalid']);
      assert.ok(session.configurationRequests > 0, 'settings come from workspace/configuration');

      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: first.diagnostics[0]!.range,
        context: { diagnostics: first.diagnostics },
      })) as CodeAction[];
      assert.equal(actions.length, 1);
      const edit = (actions[0]!.edit!.changes![uri] as TextEdit[])[0]!;
      const fixed = session.diagnostics(uri, (params) => params.version === 2);
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ range: edit.range, text: edit.newText }],
      });
      assert.deepEqual(codes((await fixed).diagnostics), []);

      const undone = session.diagnostics(uri, (params) => params.version === 3);
      void session.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
      assert.deepEqual(codes((await undone).diagnostics), ['amd-iommu-on-invalid']);

      rules.disabled.push('amd-iommu-on-invalid');
      const silenced = session.diagnostics(uri, (params) => params.diagnostics.length === 0);
      void session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      assert.equal((await silenced).version, 3);
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('the server log follows nixVfio.log.level', { timeout: 30_000 }, () => {
  it('keeps warnings out at "error", and shows them and each analysis at "debug"', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-log-'));
    // The same object answers every workspace/configuration request, so changing it changes the level.
    const log = { level: 'error' };
    const session = await startServer(workspace, { log });
    const lines: string[] = [];
    session.connection.onNotification('window/logMessage', (params: { message: string }) => lines.push(params.message));
    try {
      const path = join(workspace, 'configuration.nix');
      const opened = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path, '{ boot.kernelParams = [ "quiet" ]; }\n');
      await opened;
      // A change that is not newer than the text held is passed over with a warning; the hover's
      // answer comes after anything the server logged for the change before it.
      const staleChangeThenHover = async () => {
        void session.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 1 }, contentChanges: [{ text: '{ }\n' }] });
        await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
      };
      await staleChangeThenHover();
      assert.deepEqual(
        lines.filter((line) => /ignored change|analysed/.test(line)),
        [],
      );

      log.level = 'debug';
      const reanalysed = session.diagnostics(uri);
      void session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await reanalysed;
      await staleChangeThenHover();
      assert.ok(
        lines.some((line) => /^analysed .*configuration\.nix: 0 findings in [\d.]+ ms$/.test(line)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((line) => line.includes('ignored change') && line.includes('version 1 is not newer than 1')),
        lines.join('\n'),
      );
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('a module imported by configuration.nix', { timeout: 30_000 }, () => {
  it('is checked as part of the configuration that imports it, on open and on change', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-import-'));
    // The CPU vendor comes from the importing file's kvm-amd: a finding in vfio.nix proves the root was read.
    writeFileSync(join(workspace, 'configuration.nix'), '{ imports = [ ./modules/vfio.nix ]; boot.kernelModules = [ "kvm-amd" ]; }\n');
    const modulePath = join(workspace, 'modules', 'vfio.nix');
    mkdirSync(dirname(modulePath));
    writeFileSync(modulePath, '{ boot.kernelParams = [ "quiet" ]; }\n');
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled'] } });
    try {
      const uri = pathToFileURL(modulePath).href;
      const published = session.diagnostics(uri, (params) => params.version === 1);
      // The editor's text, not the file on disk, is what gets checked.
      open(session, modulePath, '{\n  boot.kernelParams = [ "intel_iommu=on" ];\n}\n');
      const first = await published;
      assert.deepEqual(codes(first.diagnostics), ['iommu-param-wrong-vendor']);
      assert.equal(first.diagnostics[0]?.range.start.line, 1);

      const changed = session.diagnostics(uri, (params) => params.version === 2);
      void session.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: '{\n  boot.kernelParams = [ "iommu=pt" ];\n}\n' }],
      });
      assert.deepEqual(codes((await changed).diagnostics), ['iommu-pt-info']);
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('an untrusted workspace', { timeout: 30_000 }, () => {
  it('reads no import and no hardware outside the workspace folders', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nix-vfio-outside-'));
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-untrusted-'));
    const sysfs = writeSysfsTree(loadMachine('guide-desktop'));
    writeFileSync(join(outside, 'elsewhere.nix'), '{ boot.kernelParams = [ "a b" ]; }');
    const session = await startServer(workspace, { hardware: { scanMachine: true } }, 'stdio', { NIX_VFIO_SYSFS_ROOT: sysfs }, { trusted: false });
    const statuses: { hardwareSource: string }[] = [];
    session.connection.onNotification('nixVfio/status', (params: { hardwareSource: string }) => statuses.push(params));
    try {
      const path = join(workspace, 'configuration.nix');
      const published = session.diagnostics(pathToFileURL(path).href);
      open(session, path, `{ imports = [ ${join(outside, 'elsewhere.nix')} ]; boot.kernelParams = [ "amd_iommu=on" ]; }\n`);
      const result = await published;
      // The import is refused (and said so); the CPU of the scanned machine is not used.
      assert.deepEqual(codes(result.diagnostics), ['amd-iommu-on-invalid', 'import-unresolved']);
      assert.match(result.diagnostics.find((diagnostic) => diagnostic.code === 'import-unresolved')!.message, /outside the workspace, which is not trusted/);
      await session.connection.sendRequest('shutdown');
      assert.equal(statuses[statuses.length - 1]?.hardwareSource, 'none');
    } finally {
      await session.connection.sendNotification('exit');
      session.connection.dispose();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
      rmSync(sysfs, { recursive: true, force: true });
    }
  });
});

describe('a finding with several fixes', { timeout: 30_000 }, () => {
  it('offers each as a code action, the preferred one first', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-choices-'));
    const source = scenarioDir('ids-identical-gpus');
    copyFileSync(join(source, 'configuration.nix'), join(workspace, 'configuration.nix'));
    copyFileSync(join(FIXTURES, 'machines', 'guide-desktop.json'), join(workspace, 'hardware.nix-vfio.json'));
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled', 'vfio-boot-gpu-bound'] } });
    try {
      const path = join(workspace, 'configuration.nix');
      const published = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path);
      const collision = (await published).diagnostics.find((diagnostic) => diagnostic.code === 'vfio-id-collision')!;
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: collision.range,
        context: { diagnostics: [collision] },
      })) as CodeAction[];
      assert.deepEqual(
        actions.map((action) => [action.title.split(': ')[0], action.isPreferred]),
        [
          ['Pass only group 33 (0f:00.0, 0f:00.1)', true],
          ['Pass only group 32 (0e:00.0, 0e:00.1)', false],
          ['Keep', false],
        ],
      );
      const edits = actions[0]!.edit!.changes![uri] as TextEdit[];
      assert.ok(edits.some((edit) => edit.newText.includes('DEVS="0000:0f:00.0 0000:0f:00.1"')));
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
