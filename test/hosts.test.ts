// The host layer: hosts read from flake.nix, the release from flake.lock, and a host's whole
// module tree as the unit of analysis (CLI over a repository; "missing" claims only with a whole host).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { readFlakeHosts } from '../server/src/host/flake';
import { releaseFromFlakeLock } from '../server/src/host/release';
import { FIXTURES, REPO_ROOT, sharedParser } from './helpers';

export const TWO_HOSTS = join(FIXTURES, 'hosts', 'flake-two-hosts');

async function run(argv: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  return { code, stdout, stderr };
}

/** `file:line:col: severity code` of each text line, the message's host prefix kept apart. */
function lines(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [where, severity, code, host = ''] = line.split(' ');
      return `${where} ${severity} ${code} ${host.endsWith(':') ? host : ''}`.trim();
    });
}

async function flakeHosts(text: string) {
  const parser = await sharedParser();
  const tree = parser.parse(text);
  try {
    return readFlakeHosts(tree.rootNode, '/repo/flake.nix');
  } finally {
    tree.delete();
  }
}

const scratch: string[] = [];
function tempCopy(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-hosts-'));
  scratch.push(dir);
  cpSync(source, dir, { recursive: true });
  return dir;
}
function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-hosts-'));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('flake.nix hosts', () => {
  it('reads hosts built through a let-bound helper, with interpolated host folders and ++ of module lists', async () => {
    const { hosts, unread } = await flakeHosts(readFileSync(join(TWO_HOSTS, 'flake.nix'), 'utf8'));
    assert.deepEqual(unread, []);
    assert.deepEqual(
      hosts.map((host) => ({
        name: host.name,
        input: host.nixpkgsInput,
        args: host.specialArgs,
        problem: host.problem,
        modules: host.modules.map((module) => (module.kind === 'file' ? module.path : module.kind)),
      })),
      [
        {
          name: 'desk',
          input: 'nixpkgs',
          args: ['inputs', 'hostName'],
          problem: undefined,
          modules: ['/repo/hosts/desk', '/repo/modules/common.nix', '/repo/modules/vfio.nix'],
        },
        { name: 'laptop', input: 'nixpkgs', args: ['inputs', 'hostName'], problem: undefined, modules: ['/repo/hosts/laptop', '/repo/modules/common.nix'] },
      ],
    );
  });

  it('reads direct nixosSystem calls, inputs as unresolved modules, inline modules, flake-parts and helpers taking a set', async () => {
    const { hosts, unread } = await flakeHosts(`{
      inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";
      outputs = inputs@{ self, nixpkgs, stable, nixos-hardware, ... }:
        let
          mkHost = { name, system ? "x86_64-linux" }: stable.lib.nixosSystem {
            inherit system;
            modules = [ (./machines + "/x") ./machines/\${name}/configuration.nix ];
          };
        in {
          nixosConfigurations.server = nixpkgs.lib.nixosSystem {
            system = "x86_64-linux";
            modules = [
              ./server.nix
              nixos-hardware.nixosModules.common-cpu-amd
              inputs.home-manager.nixosModules.home-manager
              { networking.hostName = "server"; }
              (import ./extra.nix)
            ];
          };
          nixosConfigurations."media" = mkHost { name = "media"; };
          nixosConfigurations.\${"gen"} = nixpkgs.lib.nixosSystem { modules = [ ]; };
        } // {
          nixosConfigurations.other = inputs.nixpkgs.lib.nixosSystem { modules = [ ./other.nix ]; };
        };
    }`);
    const summary = hosts.map((host) => [
      host.name,
      host.nixpkgsInput,
      host.modules.map((module) => (module.kind === 'file' ? module.path : module.kind === 'unresolved' ? `unresolved: ${module.problem}` : 'inline')),
    ]);
    assert.deepEqual(summary, [
      [
        'server',
        'nixpkgs',
        ['/repo/server.nix', "unresolved: a flake input's module is not read", "unresolved: a flake input's module is not read", 'inline', '/repo/extra.nix'],
      ],
      ['media', 'stable', ['unresolved: module is not read', '/repo/machines/media/configuration.nix']],
      ['other', 'nixpkgs', ['/repo/other.nix']],
    ]);
    assert.deepEqual(
      unread.map((entry) => entry.reason),
      ['the host name is computed'],
    );
  });

  it('says so when the hosts are computed in a way it does not read, and reads flake-parts flake.nixosConfigurations', async () => {
    const computed = await flakeHosts(`{ outputs = { nixpkgs, ... }: { nixosConfigurations = import ./hosts.nix { inherit nixpkgs; }; }; }`);
    assert.deepEqual(computed.hosts, []);
    assert.deepEqual(
      computed.unread.map((entry) => entry.reason),
      ['the hosts are computed (not a set written here)'],
    );
    const parts = await flakeHosts(`{ outputs = inputs@{ flake-parts, nixpkgs, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      flake = { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; }; };
    }; }`);
    assert.deepEqual(
      parts.hosts.map((host) => host.name),
      ['box'],
    );
  });

  it('marks a host whose module list it cannot read', async () => {
    const { hosts } = await flakeHosts(`{ outputs = { nixpkgs, ... }: { nixosConfigurations.x = nixpkgs.lib.nixosSystem (import ./args.nix); }; }`);
    assert.equal(hosts.length, 1);
    assert.match(hosts[0]?.problem ?? '', /not written in a way/);
  });
});

describe('flake.lock release', () => {
  const lock = (nixpkgs: object, rootInputs: object = { nixpkgs: 'nixpkgs' }) =>
    JSON.stringify({ nodes: { nixpkgs, root: { inputs: rootInputs } }, root: 'root', version: 7 });
  it('reads the nixpkgs input original ref, a channel URL, and follows', () => {
    assert.equal(releaseFromFlakeLock(readFileSync(join(TWO_HOSTS, 'flake.lock'), 'utf8')), '24.11');
    assert.equal(releaseFromFlakeLock(lock({ original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-25.05' } })), '25.05');
    assert.equal(releaseFromFlakeLock(lock({ original: { type: 'tarball', url: 'https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz' } })), '24.05');
    assert.equal(releaseFromFlakeLock(lock({ original: { ref: 'release-23.11' } }, { nixpkgs: 'nixpkgs', other: ['nixpkgs'] }), 'other'), '23.11');
  });
  it('says nothing for unstable, a bare revision, another input or broken JSON', () => {
    assert.equal(releaseFromFlakeLock(lock({ original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-unstable' } })), undefined);
    assert.equal(releaseFromFlakeLock(lock({ locked: { rev: '3f0a8ac25fb674611b98089ca3a5dd6480175751' } })), undefined);
    assert.equal(releaseFromFlakeLock(lock({ original: { ref: 'nixos-24.11' } }), 'missing'), undefined);
    assert.equal(releaseFromFlakeLock('{ "nodes": '), undefined);
  });
});

describe('nix-vfio check over a repository', () => {
  const DESK_VFIO = ['modules/vfio.nix:6:6: error vfio-group-incomplete desk:', 'modules/vfio.nix:7:6: error vfio-device-not-present desk:'];

  it('checks every host of a flake: desk against its own snapshot, on 24.11, the other host clean', async () => {
    const result = await run(['check', '.'], TWO_HOSTS);
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(lines(result.stdout), ['hosts/desk/default.nix:12:7: info iommu-pt-info desk:', ...DESK_VFIO]);
    assert.match(result.stdout, /has id 10de:0fbc.*Did you mean 0f:00\.1 NVIDIA GM204 High Definition Audio Controller \[10de:0fbb\]/);
    assert.doesNotMatch(result.stdout, /libvirtd-not-enabled|intel-iommu-missing|libvirt-ovmf-removed|laptop/);
  });

  it('checks a module as part of the host that reads it', async () => {
    const result = await run(['check', 'modules/vfio.nix'], TWO_HOSTS);
    assert.deepEqual(lines(result.stdout), DESK_VFIO);
    const json = JSON.parse((await run(['check', join(TWO_HOSTS, 'modules', 'vfio.nix'), '--format', 'json'], TWO_HOSTS)).stdout);
    assert.deepEqual(
      json.map((finding: { host: string; code: string }) => [finding.host, finding.code]),
      [
        ['desk', 'vfio-group-incomplete'],
        ['desk', 'vfio-device-not-present'],
      ],
    );
  });

  it('limits the check to one host with --host, and rejects a host that is not there', async () => {
    const laptop = await run(['check', '.', '--host', 'laptop'], TWO_HOSTS);
    assert.equal(laptop.code, 0);
    assert.equal(laptop.stdout, '');
    const none = await run(['check', '.', '--host', 'nas'], TWO_HOSTS);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no host named nas/);
  });

  it('claims missing settings for a whole host once they really are missing, and the 25.11 removal once the lock says 25.11', async () => {
    const repo = tempCopy(TWO_HOSTS);
    writeFileSync(join(repo, 'modules', 'common.nix'), '{ pkgs, ... }: { services.openssh.enable = true; }\n');
    writeFileSync(join(repo, 'flake.lock'), readFileSync(join(repo, 'flake.lock'), 'utf8').replace(/nixos-24\.11/g, 'nixos-25.11'));
    writeFileSync(join(repo, 'hosts', 'desk', 'default.nix'), readFileSync(join(repo, 'hosts', 'desk', 'default.nix'), 'utf8').replace('"intel_iommu=on"', ''));
    const codes = lines((await run(['check', '.'], repo)).stdout).map((line) => line.split(' ').slice(2).join(' '));
    for (const expected of ['libvirtd-not-enabled desk:', 'intel-iommu-missing desk:', 'libvirt-ovmf-removed desk:'])
      assert.ok(codes.includes(expected), `${expected} in ${codes.join(', ')}`);
    assert.ok(!codes.some((code) => code.endsWith('laptop:')), codes.join(', '));
  });

  it('reads a module of no known host alone: what is wrong in it, never what is missing', async () => {
    const module = '{ ... }: { boot.kernelParams = [ "vfio-pci.ids=10de:13c0,10de:0fbb" ]; boot.kernelModules = [ "kvm-intel" ]; }\n';
    const dir = tempDir({ 'vfio.nix': module });
    const hardware = ['--hardware', join(FIXTURES, 'machines', 'intel-igpu-gtx.json')];
    const alone = await run(['check', 'vfio.nix', ...hardware], dir);
    assert.doesNotMatch(alone.stdout, /missing|not-enabled/);
    assert.match(alone.stderr, /not part of a known host/);
    // The same text as a host's root does get them: the rules are on, the host layer keeps them off.
    writeFileSync(join(dir, 'configuration.nix'), module);
    const host = await run(['check', 'configuration.nix', ...hardware], dir);
    assert.match(host.stdout, /libvirtd-not-enabled/);
    assert.match(host.stdout, /intel-iommu-missing/);
  });

  it('reports inputs.* imports as import-unresolved and then claims nothing missing', async () => {
    const dir = tempDir({
      'configuration.nix':
        '{ inputs, ... }: {\n  imports = [ inputs.nixos-hardware.nixosModules.common-cpu-intel ];\n  boot.kernelParams = [ "vfio-pci.ids=10de:13c0" ];\n}\n',
      'flake.nix':
        '{ outputs = { nixpkgs, disko, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix disko.nixosModules.disko ]; }; }; }\n',
    });
    const result = await run(['check', '.', '--format', 'json'], dir);
    const findings = JSON.parse(result.stdout) as { file: string; line: number; code: string; message: string; host: string }[];
    assert.deepEqual(
      findings.map((finding) => [finding.file, finding.line, finding.code, finding.host]),
      [
        ['configuration.nix', 2, 'import-unresolved', 'box'],
        ['flake.nix', 1, 'import-unresolved', 'box'],
      ],
    );
    assert.match(findings[0]!.message, /inputs\.nixos-hardware\.nixosModules\.common-cpu-intel: a flake input's module is not read/);
  });
});
