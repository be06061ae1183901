// The language server's editor features and its view of the machine's hardware, driven over
// JSON-RPC as an editor would (split from protocol.test.ts, which keeps the document life cycle).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { TextEdit } from 'vscode-languageserver';
import { LineIndex } from '../server/src/text';
import { writeSysfsTree } from './hardware/sysfsTree';
import { FIXTURES, REPO_ROOT } from './helpers';
import { codes, open, Session, startServer, stopServer } from './lspSession';
import { loadMachine } from './ruleFixtures';
import { scenarioDir } from './ruleFixtures';

describe('editor help over JSON-RPC', { timeout: 30_000 }, () => {
  let workspace: string;
  let session: Session;
  let uri: string;
  let text: string;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-editor-'));
    const source = scenarioDir('turing-missing-usb-ucsi');
    text = readFileSync(join(source, 'configuration.nix'), 'utf8');
    writeFileSync(join(workspace, 'configuration.nix'), text);
    copyFileSync(join(FIXTURES, 'machines', 'amd-desktop.json'), join(workspace, 'hardware.nix-vfio.json'));
    session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled'] } });
    const path = join(workspace, 'configuration.nix');
    const published = session.diagnostics(pathToFileURL(path).href);
    uri = open(session, path, text);
    assert.deepEqual(codes((await published).diagnostics), ['vfio-group-incomplete']);
  });

  after(async () => {
    await stopServer(session);
    rmSync(workspace, { recursive: true, force: true });
  });

  const position = (needle: string, delta = 0) => new LineIndex(text).positionAt(text.indexOf(needle) + delta);

  it('hover on an id shows the device', async () => {
    const hover = (await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: position('10de:10f8', 2) })) as {
      contents: { value: string };
    };
    assert.match(hover.contents.value, /TU104 HD Audio Controller/);
    assert.match(hover.contents.value, /IOMMU group: 27/);
  });

  it('inlay hints name each id', async () => {
    const hints = (await session.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    })) as { label: string }[];
    assert.deepEqual(
      hints.map((hint) => hint.label),
      [' TU104 [GeForce RTX 2070 SUPER]', ' TU104 HD Audio Controller'],
    );
  });

  it('code lens over the binding string: devices, group and vfio-pci state', async () => {
    const lenses = (await session.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as {
      range: { start: { line: number } };
      command: { title: string };
    }[];
    assert.deepEqual(
      lenses.map((lens) => [lens.range.start.line, lens.command.title]),
      [[position("''").line, '2 devices · IOMMU group 27 · 0 of 2 on vfio-pci now']],
    );
  });

  it('answers the hardware request with the snapshot and its groups', async () => {
    const response = (await session.connection.sendRequest('nixVfio/hardware', { uri })) as {
      groups: { group: number; devices: string[]; isolated: boolean }[];
      noGroupsReason?: string;
    };
    assert.equal(response.noGroupsReason, undefined, 'a reason only when there are no groups');
    assert.deepEqual(response.groups.find((group) => group.group === 27)?.devices, ['0000:0b:00.0', '0000:0b:00.1', '0000:0b:00.2', '0000:0b:00.3']);
    assert.equal(response.groups.find((group) => group.group === 27)?.isolated, true, 'the four functions of one card');
  });

  it('"pass through this device" sends one workspace edit that completes the group', async () => {
    let edit: { changes: Record<string, TextEdit[]> } | undefined;
    session.connection.onRequest('workspace/applyEdit', (params: { edit: { changes: Record<string, TextEdit[]> } }) => {
      edit = params.edit;
      return { applied: true };
    });
    const result = (await session.connection.sendRequest('workspace/executeCommand', {
      command: 'nixVfio.server.passThroughDevice',
      arguments: [{ uri, address: '0000:0b:00.0' }],
    })) as { applied: boolean };
    assert.equal(result.applied, true);
    const edits = edit!.changes[uri]!;
    const lines = new LineIndex(text);
    const changed = edits.reduce(
      (current, change) => current.slice(0, lines.offsetAt(change.range.start)) + change.newText + current.slice(lines.offsetAt(change.range.end)),
      text,
    );
    assert.match(changed, /options vfio-pci ids=10de:1e84,10de:10f8,10de:1ad8,10de:1ad9/);
  });

  it('a walkthrough step ("set up libvirt") is one workspace edit, and an unknown step an error', async () => {
    let edit: { changes: Record<string, TextEdit[]> } | undefined;
    session.connection.onRequest('workspace/applyEdit', (params: { edit: { changes: Record<string, TextEdit[]> } }) => {
      edit = params.edit;
      return { applied: true };
    });
    const result = (await session.connection.sendRequest('workspace/executeCommand', {
      command: 'nixVfio.server.setUpStep',
      arguments: [{ uri, step: 'libvirt' }],
    })) as { applied: boolean; notes: string[] };
    assert.equal(result.applied, true);
    assert.match(result.notes.join(' '), /libvirtd" group/);
    const lines = new LineIndex(text);
    const changed = edit!.changes[uri]!.reduce(
      (current, change) => current.slice(0, lines.offsetAt(change.range.start)) + change.newText + current.slice(lines.offsetAt(change.range.end)),
      text,
    );
    assert.match(changed, /virtualisation\.libvirtd\.enable = true;/);
    assert.match(changed, /programs\.virt-manager\.enable = true;/);
    // Failures are JSON-RPC errors with a message, not results holding { error }.
    await assert.rejects(
      session.connection.sendRequest('workspace/executeCommand', { command: 'nixVfio.server.setUpStep', arguments: [{ uri, step: 'rm -rf /' }] }),
      (error: { code: number; message: string }) => error.code === -32602 && error.message === 'unknown setup step',
    );
  });

  it('completes the missing functions after a comma is typed', async () => {
    const at = position('10de:10f8', '10de:10f8'.length);
    const republished = session.diagnostics(uri, (params) => params.version === 2);
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: at, end: at }, text: ',' }],
    });
    await republished;
    const items = (await session.connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line: at.line, character: at.character + 1 },
    })) as { label: string }[];
    assert.deepEqual(items.map((item) => item.label).slice(0, 2), ['10de:1ad8', '10de:1ad9']);
  });
});

describe('hardware of the machine the server runs on', { timeout: 30_000 }, () => {
  it('scans it when no snapshot file applies, reports its source, and verifies against it', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-machine-'));
    const sysfs = writeSysfsTree(loadMachine('guide-desktop'));
    const session = await startServer(workspace, { hardware: { scanMachine: true } }, 'stdio', { NIX_VFIO_SYSFS_ROOT: sysfs });
    const statuses: { hardwareSource: string; findings: number }[] = [];
    session.connection.onNotification('nixVfio/status', (params: { hardwareSource: string; findings: number }) => statuses.push(params));
    try {
      const path = join(workspace, 'configuration.nix');
      const published = session.diagnostics(pathToFileURL(path).href);
      const uri = open(session, path, readFileSync(join(REPO_ROOT, 'examples', 'guide-desktop', 'configuration.nix'), 'utf8'));
      // amd_iommu=on is for the other vendor: the CPU comes from the scanned /proc/cpuinfo.
      assert.ok(codes((await published).diagnostics).includes('iommu-param-wrong-vendor'));
      await session.connection.sendRequest('nixVfio/rescan');
      assert.equal(statuses[statuses.length - 1]?.hardwareSource, 'this machine');
      const report = (await session.connection.sendRequest('nixVfio/verify', { uri })) as { ok: boolean; items: { ok: boolean; what: string }[] };
      assert.deepEqual(
        report.items.map((item) => item.ok),
        [true, true, true],
      );
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
      rmSync(sysfs, { recursive: true, force: true });
    }
  });

  it('without hardware (no PCI sysfs, or an empty one) says so once and reports only what needs no hardware', async () => {
    const text = readFileSync(join(REPO_ROOT, 'examples', 'guide-desktop', 'configuration.nix'), 'utf8');
    /** The findings and the status for the guide's configuration, with the server's machine scan as given. */
    // Its one host names no machine, so the machine the server runs on is taken to be it.
    const unnamed = text.replace(/^\s*networking\.hostName = .*$/m, '');
    assert.notEqual(unnamed, text);
    const check = async (scanMachine: boolean, sysfsRoot: string) => {
      const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-nohw-'));
      const session = await startServer(workspace, { hardware: { scanMachine } }, 'stdio', { NIX_VFIO_SYSFS_ROOT: sysfsRoot });
      try {
        const status = new Promise<{ hardwareSource: string; hardwareProblem?: string }>((resolve) =>
          session.connection.onNotification('nixVfio/status', resolve),
        );
        const path = join(workspace, 'configuration.nix');
        const published = session.diagnostics(pathToFileURL(path).href);
        open(session, path, unnamed);
        return { codes: codes((await published).diagnostics), status: await status };
      } finally {
        await stopServer(session);
        rmSync(workspace, { recursive: true, force: true });
      }
    };
    const sysfs = mkdtempSync(join(tmpdir(), 'nix-vfio-sandbox-'));
    try {
      const withoutHardware = await check(false, sysfs);
      assert.equal(withoutHardware.status.hardwareSource, 'none');
      const machine = await check(true, join(sysfs, 'no-such-root'));
      assert.match(
        machine.status.hardwareProblem ?? '',
        /^No hardware to check against: .* does not exist \(not Linux, or a container without \/sys\)\. Hardware checks are skipped\.$/,
      );
      assert.deepEqual(machine.codes, withoutHardware.codes);
      mkdirSync(join(sysfs, 'sys/bus/pci/devices'), { recursive: true });
      const sandbox = await check(true, sysfs);
      assert.match(sandbox.status.hardwareProblem ?? '', /lists no PCI devices/);
      assert.deepEqual(sandbox.codes, withoutHardware.codes);
    } finally {
      rmSync(sysfs, { recursive: true, force: true });
    }
  });

  it('checks each host of a flake against the snapshot in its own folder', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-hosts-'));
    const session = await startServer(workspace, { rules: { disabled: ['libvirtd-not-enabled', 'vfio-modules-missing', 'iommu-pt-info'] } });
    const statuses = new Map<string, string>();
    const bothReported = new Promise<void>((resolve) =>
      session.connection.onNotification('nixVfio/status', (params: { root: string; hardwareSource: string }) => {
        statuses.set(params.root, params.hardwareSource);
        if (statuses.size === 2) resolve();
      }),
    );
    try {
      const text = '{ boot.kernelParams = [ "intel_iommu=on" ]; boot.kernelModules = [ "kvm-intel" ]; }\n';
      const found = new Map<string, string[]>();
      for (const [host, machine] of [
        ['desk', 'amd-desktop'],
        ['htpc', 'iommu-off'],
      ] as const) {
        mkdirSync(join(workspace, 'hosts', host), { recursive: true });
        copyFileSync(join(FIXTURES, 'machines', `${machine}.json`), join(workspace, 'hosts', host, 'hardware.nix-vfio.json'));
        const path = join(workspace, 'hosts', host, 'configuration.nix');
        writeFileSync(path, text);
        const published = session.diagnostics(pathToFileURL(path).href);
        open(session, path, text);
        found.set(host, codes((await published).diagnostics));
      }
      // The same text: wrong for the AMD desk, right for the Intel htpc.
      assert.deepEqual(found.get('desk'), ['iommu-param-wrong-vendor', 'kvm-module-wrong-vendor']);
      assert.deepEqual(found.get('htpc'), []);
      await bothReported;
      for (const host of ['desk', 'htpc']) {
        assert.equal(
          statuses.get(pathToFileURL(join(workspace, 'hosts', host, 'configuration.nix')).href),
          join(workspace, 'hosts', host, 'hardware.nix-vfio.json'),
        );
      }
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('puts the problems of a broken snapshot file into that file', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-broken-'));
    const session = await startServer(workspace, {});
    try {
      const snapshotPath = join(workspace, 'hardware.nix-vfio.json');
      const broken = JSON.parse(readFileSync(join(FIXTURES, 'machines', 'amd-desktop.json'), 'utf8'));
      broken.devices[2].vendor = 'NVIDIA';
      writeFileSync(snapshotPath, JSON.stringify(broken, null, 2));
      const inSnapshot = session.diagnostics(pathToFileURL(snapshotPath).href);
      open(session, join(workspace, 'configuration.nix'), '{ boot.kernelParams = [ "quiet" ]; }\n');
      const result = await inSnapshot;
      assert.deepEqual(
        result.diagnostics.map((diagnostic) => diagnostic.message),
        ['devices[2].vendor: must be four lower-case hex digits'],
      );
      const line = readFileSync(snapshotPath, 'utf8').split('\n')[result.diagnostics[0]!.range.start.line]!;
      assert.match(line, /"vendor": "NVIDIA"/);
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
