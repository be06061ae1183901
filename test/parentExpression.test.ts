// A new binding never lands beside a parent bound to an expression (`boot.initrd = lib.mkIf c
// { … };`), where Nix rejects it ("attribute 'boot.initrd' already defined"): it goes into the
// set inside the mkIf, or there is no edit. Each result is checked with nix-instantiate --parse,
// which reports that error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBinding } from '../server/src/fixes/listEdits';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { applyEdits } from '../server/src/text';
import { sharedParser } from './helpers';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';

/** Each parent shape, and the text the new `kernelModules` binding must follow (undefined: no edit). */
const SHAPES: [string, string | undefined][] = [
  ['{ lib, ... }:\n{\n  boot.initrd = lib.mkIf true {\n    availableKernelModules = [ "nvme" ];\n  };\n}\n', 'availableKernelModules = [ "nvme" ];'],
  [
    '{ lib, ... }:\nlet enable = true; in\n{\n  boot = {\n    loader.grub.enable = true;\n    initrd = lib.mkIf enable {\n      availableKernelModules = [ "nvme" ];\n    };\n  };\n}\n',
    'availableKernelModules = [ "nvme" ];',
  ],
  ['{ ... }:\n{\n  boot.initrd = import ./initrd.nix;\n}\n', undefined],
  ['{ ... }:\n{\n  boot = import ./boot.nix;\n  networking.hostName = "desk";\n}\n', undefined],
  ['{ ... }:\n{\n  boot.initrd = { availableKernelModules = [ "nvme" ]; } // { verbose = false; };\n}\n', '?'],
  ['{ ... }:\n{\n  boot.initrd = rec {\n    availableKernelModules = [ "nvme" ];\n  };\n}\n', 'availableKernelModules = [ "nvme" ];'],
  ['{ lib, ... }:\n{\n  boot.initrd = lib.mkMerge [ { availableKernelModules = [ "nvme" ]; } ];\n}\n', '?'],
  [
    '{ lib, ... }:\n{\n  boot.initrd.availableKernelModules = [ "nvme" ];\n  boot.initrd.luks = lib.mkIf true { };\n}\n',
    'boot.initrd.luks = lib.mkIf true { };',
  ],
];

describe('a new binding under a parent bound to an expression', () => {
  for (const [index, [text, after]] of SHAPES.entries()) {
    it(`shape ${index + 1}: ${after === undefined ? 'no edit' : after === '?' ? 'any edit parses' : 'inside the set'}`, async (t) => {
      const parser = await sharedParser();
      const root = '/nix-vfio-test/configuration.nix';
      const model = buildModel(
        root,
        diskLoader(parser, (path) => (path === root ? { text } : undefined)),
      );
      const edit = createBinding(model, ['boot', 'initrd', 'kernelModules'], '[ "vfio_pci" ]');
      if (after === undefined) {
        assert.equal(edit, undefined, edit && applyEdits(text, [edit]));
        return;
      }
      if (after !== '?') {
        assert.ok(edit, 'an edit is made');
        assert.equal(text.slice(edit.range.start - after.length, edit.range.start), after);
      }
      if (!edit) return;
      const edited = applyEdits(text, [edit]);
      if (!needsNixInstantiate(t)) return;
      assert.equal(nixParseError(edited, 'configuration.nix'), undefined, edited);
    });
  }
});
