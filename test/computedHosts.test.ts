// Hosts a flake computes (genAttrs over a list, mapAttrs over a set or a `readDir` of host folders,
// listToAttrs of a map): each read by applying the flake's own function to its name, and checked
// as a whole host by `nix-vfio check .`. Forms not read, and names not known, are said to be unread.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { FlakeHosts, readFlakeHosts } from '../server/src/host/flake';
import { FIXTURES, sharedParser } from './helpers';

async function flakeHosts(text: string, folders: Record<string, string[]> = {}): Promise<FlakeHosts> {
  const tree = (await sharedParser()).parse(text);
  try {
    return readFlakeHosts(tree.rootNode, '/repo/flake.nix', (path) => folders[path]);
  } finally {
    tree.delete();
  }
}

/** name → the module files (or what is unresolved) of each host. */
const summary = (read: FlakeHosts) =>
  Object.fromEntries(read.hosts.map((host) => [host.name, host.problem ?? host.modules.map((module) => (module.kind === 'file' ? module.path : module.kind))]));

describe('hosts a flake computes', () => {
  it('genAttrs over a let-bound list joined with ++, through a helper taking the name', async () => {
    const read = await flakeHosts(`{
      outputs = { self, nixpkgs, ... }:
        let
          inherit (nixpkgs) lib;
          machines = [ "desk" ] ++ [ "laptop" ];
          mkHost = hostName: nixpkgs.lib.nixosSystem {
            system = "x86_64-linux";
            modules = [ ./hosts/\${hostName}/configuration.nix ./modules/common.nix ];
          };
        in {
          nixosConfigurations = lib.genAttrs machines mkHost;
        };
    }`);
    assert.deepEqual(summary(read), {
      desk: ['/repo/hosts/desk/configuration.nix', '/repo/modules/common.nix'],
      laptop: ['/repo/hosts/laptop/configuration.nix', '/repo/modules/common.nix'],
    });
    assert.deepEqual(read.unread, []);
  });

  it('genAttrs with an inline function and a helper given another argument first', async () => {
    const inline = await flakeHosts(
      `{ outputs = { nixpkgs, ... }: { nixosConfigurations = nixpkgs.lib.genAttrs [ "a" "b" ] (name: nixpkgs.lib.nixosSystem { modules = [ ./\${name}.nix ]; }); }; }`,
    );
    assert.deepEqual(summary(inline), { a: ['/repo/a.nix'], b: ['/repo/b.nix'] });
    const partial = await flakeHosts(`{ outputs = { nixpkgs, ... }: let
        mkHost = system: name: nixpkgs.lib.nixosSystem { inherit system; modules = [ (./machines + "/x") ./machines/\${name} ]; };
      in { nixosConfigurations = nixpkgs.lib.genAttrs [ "nas" ] (mkHost "x86_64-linux"); }; }`);
    assert.deepEqual(Object.keys(summary(partial)), ['nas']);
    assert.ok(partial.hosts[0]?.modules.some((module) => module.kind === 'file' && module.path === '/repo/machines/nas'));
  });

  it('mapAttrs over a set of host settings: the name and the value reach the helper', async () => {
    const read = await flakeHosts(`{ outputs = { nixpkgs, ... }:
      let
        hosts = {
          desk = { system = "x86_64-linux"; };
          "pi" = { system = "aarch64-linux"; };
        };
      in {
        nixosConfigurations = builtins.mapAttrs (name: cfg: nixpkgs.lib.nixosSystem {
          inherit (cfg) system;
          modules = [ ./hosts/\${name}.nix ];
        }) hosts;
      }; }`);
    assert.deepEqual(summary(read), { desk: ['/repo/hosts/desk.nix'], pi: ['/repo/hosts/pi.nix'] });
  });

  it('mapAttrs over readDir ./hosts (filtered to folders or not): one host per folder', async () => {
    const folders = { '/repo/hosts': ['desk', 'laptop'] };
    const plain = await flakeHosts(
      `{ outputs = { nixpkgs, ... }: { nixosConfigurations = builtins.mapAttrs (name: _: nixpkgs.lib.nixosSystem { modules = [ ./hosts/\${name} ]; }) (builtins.readDir ./hosts); }; }`,
      folders,
    );
    assert.deepEqual(summary(plain), { desk: ['/repo/hosts/desk'], laptop: ['/repo/hosts/laptop'] });
    const filtered = await flakeHosts(
      `{ outputs = { nixpkgs, ... }: let lib = nixpkgs.lib; in {
        nixosConfigurations = lib.mapAttrs (name: _: lib.nixosSystem { modules = [ ./hosts/\${name}/default.nix ]; })
          (lib.filterAttrs (_: type: type == "directory") (builtins.readDir ./hosts));
      }; }`,
      folders,
    );
    assert.deepEqual(Object.keys(summary(filtered)), ['desk', 'laptop']);
    // The folder cannot be listed (outside an untrusted workspace, or missing): unread, said so.
    const unlisted = await flakeHosts(
      `{ outputs = { nixpkgs, ... }: { nixosConfigurations = builtins.mapAttrs (name: _: nixpkgs.lib.nixosSystem { modules = [ ./hosts/\${name} ]; }) (builtins.readDir ./hosts); }; }`,
    );
    assert.deepEqual(unlisted.hosts, []);
    assert.deepEqual(
      unlisted.unread.map((entry) => entry.reason),
      ['the hosts are computed (not a set written here)'],
    );
  });

  it('listToAttrs of a map: `{ inherit name; value = …; }` and nameValuePair', async () => {
    const inherit = await flakeHosts(`{ outputs = { nixpkgs, ... }: let
        mkHost = name: nixpkgs.lib.nixosSystem { modules = [ ./\${name}.nix ]; };
      in { nixosConfigurations = builtins.listToAttrs (map (name: { inherit name; value = mkHost name; }) [ "a" "b" ]); }; }`);
    assert.deepEqual(summary(inherit), { a: ['/repo/a.nix'], b: ['/repo/b.nix'] });
    const pairs = await flakeHosts(`{ outputs = { nixpkgs, ... }: with nixpkgs.lib; {
        nixosConfigurations = listToAttrs (map (host: nameValuePair host (nixosSystem { modules = [ ./machines/\${host} ]; })) [ "x" ]);
      }; }`);
    assert.deepEqual(summary(pairs), { x: ['/repo/machines/x'] });
  });

  it('a name it cannot know is reported, never guessed; the others are read', async () => {
    const read = await flakeHosts(`{ outputs = { nixpkgs, ... }: let other = builtins.getEnv "HOST"; in {
        nixosConfigurations = nixpkgs.lib.genAttrs [ "desk" other ] (name: nixpkgs.lib.nixosSystem { modules = [ ./\${name}.nix ]; });
      }; }`);
    assert.deepEqual(Object.keys(summary(read)), ['desk']);
    assert.deepEqual(
      read.unread.map((entry) => entry.reason),
      ['the host name is computed'],
    );
  });
});

describe('nix-vfio check . over a flake whose hosts are its folders', () => {
  const scratch: string[] = [];
  after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('checks each folder as a host, and a module shared by both as part of each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-computed-hosts-'));
    scratch.push(dir);
    const files: Record<string, string> = {
      'flake.nix': `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = nixpkgs.lib.mapAttrs
      (name: _: nixpkgs.lib.nixosSystem { modules = [ ./hosts/\${name} ./common.nix ]; })
      (builtins.readDir ./hosts);
  };
}
`,
      'common.nix': '{ ... }:\n{\n  services.openssh.enable = true;\n}\n',
      // desk passes its GPU through with a malformed id; laptop does no passthrough at all.
      'hosts/desk/default.nix': '{ ... }:\n{\n  boot.kernelParams = [ "intel_iommu=on" "vfio-pci.ids=10de:13c0,10de:fbb" ];\n}\n',
      'hosts/laptop/default.nix': '{ ... }:\n{\n  networking.hostName = "laptop";\n}\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    let stdout = '';
    let stderr = '';
    await runCli(['check', '.', '--hardware', join(FIXTURES, 'machines', 'intel-igpu-gtx.json')], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      cwd: dir,
    });
    assert.match(stdout, /vfio-id-malformed desk:/, stdout + stderr);
    assert.doesNotMatch(stdout, /laptop:/, stdout);
    assert.doesNotMatch(stderr, /not part of a known host|computed/, stderr);
  });
});
