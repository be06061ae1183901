// Options the host's own modules declare (model/userOptions.ts): a flake host switching a shared
// module on, findings at the ids where the host writes them, and a cached model following an
// edit of the host file into the module that reads the value.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { buildModel, ModelCache, SourceLoader } from '../server/src/model/buildModel';
import type { NixParser } from '../server/src/parse/nixParser';
import { ConfigView, configView } from '../server/src/model/optionModel';
import { describeValue } from '../server/src/model/values';
import { vfioBindings } from '../server/src/vfio/vfioBindings';
import { FIXTURES, sharedParser } from './helpers';

/** A loader over texts held in memory (the test edits `files` between builds). */
function virtualLoader(parser: NixParser, files: Map<string, string>): SourceLoader {
  return (path: string) => {
    const text = files.get(path);
    if (text === undefined) return { error: 'no such file' };
    const tree = parser.parse(text);
    return { path, text, tree, release: () => tree.delete() };
  };
}

const FLAKE = join(FIXTURES, 'hosts', 'flake-user-option');

async function check(argv: string[]): Promise<string[]> {
  let stdout = '';
  await runCli(argv, { stdout: (text) => (stdout += text), stderr: () => undefined, cwd: FLAKE });
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').slice(0, 4).join(' '));
}

describe("options the host's own modules declare", () => {
  it("reads a flake's inline module switching a shared module on; the host that leaves it off stays clean", async () => {
    assert.deepEqual(await check(['check', '.']), [
      'flake.nix:16:11: warning import-unresolved tower:',
      'flake.nix:21:24: error vfio-group-incomplete tower:',
      'flake.nix:21:36: error vfio-device-not-present tower:',
    ]);
  });

  it('follows an edit of the host into the module that reads the value, with a model cache', async () => {
    const parser = await sharedParser();
    const module =
      '{ config, lib, ... }:\nlet cfg = config.my.vfio; in\n{\n  options.my.vfio.enable = lib.mkEnableOption "vfio";\n' +
      '  options.my.vfio.ids = lib.mkOption { default = [ ]; };\n' +
      '  config = lib.mkIf cfg.enable {\n    boot.kernelParams = [ "vfio-pci.ids=${lib.concatStringsSep "," cfg.ids}" ];\n  };\n}\n';
    const host = (ids: string, enable: string) => `{ ... }:\n{\n  imports = [ ./vfio.nix ];\n  my.vfio.enable = ${enable};\n  my.vfio.ids = [ ${ids} ];\n}\n`;
    const files = new Map([
      ['/virtual/vfio.nix', module],
      ['/virtual/configuration.nix', host('"10de:13c0"', 'true')],
    ]);
    const load = virtualLoader(parser, files);
    const cache = new ModelCache();
    const params = () => {
      const model = buildModel('/virtual/configuration.nix', load, cache);
      const view = new ConfigView(model);
      return {
        values: view
          .definitions('boot.kernelParams')
          .map((definition) => definition.conditions.map((c) => `if ${c}: `).join('') + describeValue(definition.value)),
        bindings: vfioBindings(view).map((binding) => `${binding.token}@${binding.file}:${binding.range.start}:${binding.exact}`),
      };
    };
    const first = params();
    assert.deepEqual(first.values, ['["vfio-pci.ids=10de:13c0"]']);
    assert.deepEqual(first.bindings, [`10de:13c0@/virtual/configuration.nix:${host('"10de:13c0"', 'true').indexOf('10de:13c0')}:false`]);
    files.set('/virtual/configuration.nix', host('"10de:13c0" "10de:0fbb"', 'true'));
    assert.deepEqual(params().values, ['["vfio-pci.ids=10de:13c0,10de:0fbb"]']);
    files.set('/virtual/configuration.nix', host('"10de:13c0"', 'false'));
    assert.deepEqual(params().values, []);
    // Switched on by something the model does not read: the block stays under its condition.
    files.set('/virtual/configuration.nix', host('"10de:13c0"', 'builtins.pathExists ./x'));
    assert.deepEqual(params().values, ['if cfg.enable: ["vfio-pci.ids=10de:13c0"]']);
    files.set('/virtual/configuration.nix', host('"10de:13c0"', 'true') + '\n');
    assert.deepEqual(params().values, ['["vfio-pci.ids=10de:13c0"]']);
    // The module read alone (no host imports it): the host may switch it on, so its block stays, under its condition.
    const alone = buildModel('/virtual/vfio.nix', load, cache, 'read alone');
    assert.deepEqual(
      new ConfigView(alone).definitions('boot.kernelParams').map((definition) => definition.conditions),
      [['cfg.enable']],
    );
    assert.equal(buildModel('/virtual/vfio.nix', load).definitions.length, 0, 'as a whole host, the default (off) holds');
  });

  it('switches the module on in the specialisation that sets the option, and follows edits of it with a model cache', async () => {
    const parser = await sharedParser();
    const module =
      '{ config, lib, ... }:\nlet cfg = config.my.vfio; in\n{\n  options.my.vfio.enable = lib.mkEnableOption "vfio";\n' +
      '  options.my.vfio.ids = lib.mkOption { default = [ ]; };\n' +
      '  config = lib.mkIf cfg.enable {\n    boot.kernelParams = [ "vfio-pci.ids=${lib.concatStringsSep "," cfg.ids}" ];\n  };\n}\n';
    const host = (inVm: string) =>
      `{ lib, ... }:\n{\n  imports = [ ./vfio.nix ];\n  my.vfio.ids = [ "10de:13c0" ];\n  specialisation.vm.configuration = { ${inVm} };\n}\n`;
    const files = new Map([
      ['/virtual/vfio.nix', module],
      ['/virtual/configuration.nix', host('my.vfio.enable = true;')],
    ]);
    const load = virtualLoader(parser, files);
    const cache = new ModelCache();
    const params = (specialisation?: string) =>
      configView(buildModel('/virtual/configuration.nix', load, cache), specialisation)
        .definitions('boot.kernelParams')
        .map((definition) => definition.conditions.map((c) => `if ${c}: `).join('') + describeValue(definition.value));
    assert.deepEqual(params(), [], 'off in the base');
    assert.deepEqual(params('vm'), ['["vfio-pci.ids=10de:13c0"]'], "on in vm, with the base's ids");
    // Lists of one priority merge (base and vm): not read, so unknown; mkForce replaces the base's.
    files.set('/virtual/configuration.nix', host('my.vfio.enable = true; my.vfio.ids = [ "10de:1b80" ];'));
    assert.deepEqual(params('vm'), ['["vfio-pci.ids=<?>"]']);
    files.set('/virtual/configuration.nix', host('my.vfio.enable = true; my.vfio.ids = lib.mkForce [ "10de:1b80" ];'));
    assert.deepEqual(params('vm'), ['["vfio-pci.ids=10de:1b80"]'], "vm's own ids");
    files.set('/virtual/configuration.nix', host('my.vfio.enable = false;'));
    assert.deepEqual(params('vm'), []);
    // Set in the base too, with the same priority: a conflict in the module system, so not known in vm.
    files.set('/virtual/configuration.nix', host('my.vfio.enable = true;').replace('my.vfio.ids', 'my.vfio.enable = false;\n  my.vfio.ids'));
    assert.deepEqual(params(), ['if cfg.enable: ["vfio-pci.ids=10de:13c0"]']);
    assert.deepEqual(params('vm'), ['if cfg.enable: ["vfio-pci.ids=10de:13c0"]']);
  });
});
