// The host layer in the language server, over JSON-RPC: a module opened alone is checked as part
// of the flake host that imports it (its snapshot, its release, its other modules), findings name
// the host, the status carries it, and this machine is used only for the host it is.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { loadMachine } from './ruleFixtures';
import { writeSysfsTree } from './hardware/sysfsTree';
import { FIXTURES } from './helpers';
import { open, startServer, stopServer } from './lspSession';

const TWO_HOSTS = join(FIXTURES, 'hosts', 'flake-two-hosts');

interface Status {
  root: string;
  host?: string;
  release?: string;
  hardwareSource: string;
  hardwareProblem?: string;
}

describe('hosts in the language server', () => {
  it('opening modules/vfio.nix publishes the desk host’s findings, named, against desk’s snapshot and for 24.11', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'nix-vfio-hosts-lsp-'));
    cpSync(TWO_HOSTS, repo, { recursive: true });
    const session = await startServer(repo, {});
    try {
      const status = new Promise<Status>((resolve) => session.connection.onNotification('nixVfio/status', resolve));
      const path = join(repo, 'modules', 'vfio.nix');
      const published = session.diagnostics(pathToFileURL(path).href);
      open(session, path);
      const diagnostics = (await published).diagnostics.sort((a, b) => a.range.start.line - b.range.start.line);
      assert.deepEqual(
        diagnostics.map((diagnostic) => [diagnostic.range.start.line + 1, diagnostic.code, diagnostic.message.split(' ')[0]]),
        [
          [6, 'vfio-group-incomplete', 'desk:'],
          [7, 'vfio-device-not-present', 'desk:'],
        ],
      );
      assert.match(diagnostics[1]!.message, /10de:0fbc.*Did you mean 0f:00\.1 NVIDIA GM204 High Definition Audio Controller \[10de:0fbb\]/);
      const desk = await status;
      assert.equal(desk.host, 'desk');
      assert.equal(desk.release, '24.11 (flake.lock)');
      assert.equal(desk.hardwareSource, join(repo, 'hosts', 'desk', 'hardware.nix-vfio.json'));
      assert.equal(desk.root, pathToFileURL(join(repo, 'flake.nix')).href);
      // The other files of desk's tree are published too; common.nix (in both hosts) has nothing to say.
      const common = session.published.filter((params) => params.uri === pathToFileURL(join(repo, 'modules', 'common.nix')).href);
      assert.ok(common.length > 0);
      assert.deepEqual(common[common.length - 1]!.diagnostics, []);
    } finally {
      await stopServer(session);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('a module of no known host gets what is wrong in it, never what is missing; an inputs.* import is import-unresolved', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-alone-lsp-'));
    const session = await startServer(workspace, {});
    try {
      const lone = join(workspace, 'vfio.nix');
      const text = '{ ... }: {\n  boot.kernelParams = [ "vfio-pci.ids=10de:13c0" "amd_iommu=on" ];\n  boot.kernelModules = [ "kvm-intel" ];\n}\n';
      let published = session.diagnostics(pathToFileURL(lone).href);
      open(session, lone, text);
      const alone = (await published).diagnostics.map((diagnostic) => String(diagnostic.code));
      assert.ok(!alone.some((code) => /missing|not-enabled/.test(code)), alone.join(', '));
      // The same text as a configuration.nix is a host: the missing-setting rules speak.
      const root = join(workspace, 'configuration.nix');
      published = session.diagnostics(pathToFileURL(root).href);
      open(session, root, text);
      const host = (await published).diagnostics.map((diagnostic) => String(diagnostic.code));
      assert.ok(host.includes('libvirtd-not-enabled'), host.join(', '));
      const withInput = join(workspace, 'hosts', 'box', 'default.nix');
      published = session.diagnostics(pathToFileURL(withInput).href);
      open(
        session,
        withInput,
        '{ inputs, ... }: {\n  imports = [ inputs.nixos-hardware.nixosModules.common-cpu-intel ];\n  boot.kernelParams = [ "vfio-pci.ids=10de:13c0" ];\n}\n',
      );
      const box = (await published).diagnostics;
      assert.deepEqual(
        box.map((diagnostic) => [diagnostic.range.start.line, diagnostic.code]),
        [[1, 'import-unresolved']],
      );
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('scans this machine only for the host it is: by networking.hostName, else none, said in the status', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-machine-host-'));
    const sysfs = writeSysfsTree(loadMachine('guide-desktop'));
    const session = await startServer(workspace, { hardware: { scanMachine: true } }, 'stdio', { NIX_VFIO_SYSFS_ROOT: sysfs });
    const statuses: Status[] = [];
    const bothReported = new Promise<void>((resolve) =>
      session.connection.onNotification('nixVfio/status', (params: Status) => {
        statuses.push(params);
        if (new Set(statuses.map((status) => status.root)).size === 2) resolve();
      }),
    );
    try {
      for (const name of ['guide-desktop', 'htpc']) {
        const path = join(workspace, 'hosts', name, 'configuration.nix');
        const published = session.diagnostics(pathToFileURL(path).href);
        open(session, path, `{ networking.hostName = "${name}"; boot.kernelParams = [ "quiet" ]; }\n`);
        await published;
      }
      await bothReported;
      const of = (name: string) => statuses.filter((status) => status.root === pathToFileURL(join(workspace, 'hosts', name, 'configuration.nix')).href).pop()!;
      assert.equal(of('guide-desktop').hardwareSource, 'this machine');
      assert.equal(of('htpc').hardwareSource, 'none');
      assert.match(of('htpc').hardwareProblem ?? '', /No hardware snapshot for host htpc .* this machine is guide-desktop, not htpc/);
    } finally {
      await stopServer(session);
      rmSync(workspace, { recursive: true, force: true });
      rmSync(sysfs, { recursive: true, force: true });
    }
  });
});
