// Host discovery figures: a generated flake repository of 500 .nix files (20 hosts, each with its
// own folder and a share of 470 modules), checked whole as `nix-vfio check .` does (hosts found,
// every host's module tree read, the rules run per host), against parsing those files alone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NixParser } = require(join(root, 'out/server/src/parse/nixParser.js'));
const { diskLoader } = require(join(root, 'out/server/src/model/loadFiles.js'));
const { diskAccess, onceLoader } = require(join(root, 'out/server/src/host/diskAccess.js'));
const { HostLayer } = require(join(root, 'out/server/src/host/workspace.js'));
const { analyzeHost, hostLabel } = require(join(root, 'out/server/src/host/analyzeHost.js'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const HOSTS = 20;
const MODULES = 500 - 1 - 2 * HOSTS - 1;

function module(index) {
  const kind = index % 5;
  const lines = [`{ config, lib, pkgs, ... }:`, `let`, `  cfg = config.services.generated${index};`, `in`, `{`];
  if (kind === 0) lines.push(`  boot.kernelParams = [ "quiet" "loglevel=3" ];`, `  boot.kernelModules = [ "kvm-intel" ];`);
  if (kind === 1) lines.push(`  services.openssh = { enable = true; settings.PermitRootLogin = "no"; };`);
  if (kind === 2) lines.push(`  environment.systemPackages = with pkgs; [ git htop ripgrep ];`, `  programs.zsh.enable = lib.mkDefault true;`);
  if (kind === 3)
    lines.push(
      `  networking.firewall.allowedTCPPorts = [ ${1000 + index} ];`,
      `  users.users.u${index} = { isNormalUser = true; extraGroups = [ "wheel" ]; };`,
    );
  if (kind === 4)
    lines.push(`  systemd.services.job${index} = lib.mkIf config.services.openssh.enable {`, `    script = ''`, `      echo ${index}`, `    '';`, `  };`);
  lines.push(`}`);
  return lines.join('\n') + '\n';
}

function generate() {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-bench-hosts-'));
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const files = [];
  for (let i = 0; i < MODULES; i++) {
    write(`modules/m${i}.nix`, module(i));
    files.push(`modules/m${i}.nix`);
  }
  // Every host imports a shared module list plus its own slice of the modules.
  const shared = Array.from({ length: 30 }, (_, i) => `./m${i}.nix`);
  write('modules/shared.nix', `{ imports = [\n${shared.map((path) => `    ${path}`).join('\n')}\n  ];\n}\n`);
  files.push('modules/shared.nix');
  const perHost = Math.floor((MODULES - 30) / HOSTS);
  for (let h = 0; h < HOSTS; h++) {
    const own = Array.from({ length: perHost }, (_, i) => `../../modules/m${30 + h * perHost + i}.nix`);
    write(
      `hosts/h${h}/default.nix`,
      `{ ... }:\n{\n  imports = [\n    ./hardware-configuration.nix\n${own.map((path) => `    ${path}`).join('\n')}\n  ];\n  networking.hostName = "h${h}";\n  virtualisation.libvirtd.enable = true;\n  boot.kernelParams = [ "intel_iommu=on" ${h % 4 === 0 ? '"vfio-pci.ids=10de:13c0,10de:0fbb"' : ''} ];\n  system.stateVersion = "24.11";\n}\n`,
    );
    write(
      `hosts/h${h}/hardware-configuration.nix`,
      `{ lib, modulesPath, ... }:\n{\n  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];\n  boot.initrd.availableKernelModules = [ "xhci_pci" "nvme" ];\n  boot.kernelModules = [ "kvm-intel" ];\n  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };\n}\n`,
    );
    files.push(`hosts/h${h}/default.nix`, `hosts/h${h}/hardware-configuration.nix`);
  }
  write(
    'flake.nix',
    `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  outputs = { nixpkgs, ... }:\n    let\n      mkHost = name: nixpkgs.lib.nixosSystem {\n        system = "x86_64-linux";\n        modules = [ ./hosts/\${name} ./modules/shared.nix ];\n      };\n    in {\n      nixosConfigurations = {\n${Array.from({ length: HOSTS }, (_, h) => `        h${h} = mkHost "h${h}";`).join('\n')}\n      };\n    };\n}\n`,
  );
  files.push('flake.nix');
  return { dir, files };
}

export async function benchHosts({ quick = false } = {}) {
  const rounds = quick ? 3 : 10;
  const { dir, files } = generate();
  try {
    const parser = await NixParser.create();
    const parseTimes = [];
    const checkTimes = [];
    let hostCount = 0;
    let findings = 0;
    for (let round = 0; round < rounds; round++) {
      let started = performance.now();
      for (const file of files) parser.parse(readFileSync(join(dir, file), 'utf8')).delete();
      parseTimes.push(performance.now() - started);
      started = performance.now();
      const loader = onceLoader(diskLoader(parser));
      const access = diskAccess(loader.load);
      const layer = new HostLayer(access);
      const hosts = layer.hostsUnder(dir);
      findings = 0;
      for (const host of hosts) {
        const target = { host };
        const model = layer.model(target);
        const analysis = analyzeHost(target, model, undefined, layer.release(target, model, undefined), [], hostLabel(target, access));
        findings += analysis.findings.length;
      }
      loader.releaseAll();
      checkTimes.push(performance.now() - started);
      hostCount = hosts.length;
    }
    const parse = median(parseTimes);
    const check = median(checkTimes);
    return [
      [`parse the ${files.length} files alone (read + tree-sitter)`, parse, null, 'ms', 'the floor the host check is compared with'],
      [
        `find the ${hostCount} hosts and check each (${findings} findings)`,
        check,
        1000,
        'ms',
        `${(check / parse).toFixed(1)}× parsing alone (each file parsed once per run, walked once per host that imports it)`,
      ],
    ];
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  }
}
