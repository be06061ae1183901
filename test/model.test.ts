// The option model on small fixtures: each folder under fixtures/model holds a configuration.nix
// (plus any files it imports) and expected.txt, the model's dump.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../server/src/model/buildModel';
import { dumpModel } from '../server/src/model/dump';
import { diskLoader } from '../server/src/model/loadFiles';
import { ConfigView, pathKey } from '../server/src/model/optionModel';
import { describeValue } from '../server/src/model/values';
import { assertGolden, FIXTURES, sharedParser } from './helpers';

const MODEL_FIXTURES = join(FIXTURES, 'model');

describe('option model fixtures', () => {
  for (const name of readdirSync(MODEL_FIXTURES).sort()) {
    it(name, async () => {
      const dir = join(MODEL_FIXTURES, name);
      const model = buildModel(join(dir, 'configuration.nix'), diskLoader(await sharedParser()));
      assertGolden(dumpModel(model, dir), join(dir, 'expected.txt'));
    });
  }
});

describe('option model queries', () => {
  it('mkForce in a specialisation replaces the base kernel parameters in that view only', async () => {
    const dir = join(MODEL_FIXTURES, 'specialisation');
    const model = buildModel(join(dir, 'configuration.nix'), diskLoader(await sharedParser()));
    const texts = (view: ConfigView) =>
      view
        .effectiveDefinitions('boot.kernelParams')
        .flatMap((definition) => (definition.value.kind === 'list' ? definition.value.items.map((item) => item.range.start) : []));
    assert.equal(texts(new ConfigView(model)).length, 1);
    assert.equal(texts(new ConfigView(model, 'passthrough')).length, 2);
    assert.equal(texts(new ConfigView(model, 'plain')).length, 1);
    assert.deepEqual(model.specialisations, ['passthrough', 'plain']);
  });

  it('a specialisation with inheritParentConfig = false sees only its own definitions', async () => {
    const dir = join(MODEL_FIXTURES, 'specialisation-not-inheriting');
    const model = buildModel(join(dir, 'configuration.nix'), diskLoader(await sharedParser()));
    const params = (view: ConfigView) => view.definitions('boot.kernelParams').map((definition) => describeValue(definition.value));
    assert.deepEqual(params(new ConfigView(model)), ['["intel_iommu=on"]']);
    assert.deepEqual(params(new ConfigView(model, 'fresh')), ['["quiet"]']);
    // Set only under a condition: the default (inherit) may still apply.
    assert.deepEqual(params(new ConfigView(model, 'maybe')), ['["intel_iommu=on"]', '["splash"]']);
  });

  it('a priority the model cannot read keeps the definition and drops no other', async () => {
    const parser = await sharedParser();
    const text =
      '{ lib, prio, ... }: {\n  boot.kernelParams = [ "intel_iommu=on" ];\n  boot.kernelModules = lib.mkDefault [ "kvm-amd" ];\n  boot.kernelModules = lib.mkOverride prio [ "kvm-intel" ];\n  boot.kernelParams = lib.mkOverride prio [ "quiet" ];\n}\n';
    const model = buildModel('/virtual/configuration.nix', (path) => {
      const tree = parser.parse(text);
      return { path, text, tree, release: () => tree.delete() };
    });
    const view = new ConfigView(model);
    assert.equal(view.effectiveDefinitions('boot.kernelParams').length, 2);
    // mkDefault loses to a plain definition but not to one of unknown priority.
    assert.equal(view.effectiveDefinitions('boot.kernelModules').length, 2);
  });

  it('looks options up as their dotted keys, quoted names with dots included, in source order', async () => {
    const parser = await sharedParser();
    const text = [
      '{ "boot.kernelParams" = [ "a" ];',
      '  boot."kernelModules.x" = true;',
      '  boot.kernelParams = [ "b" ];',
      '  "" = 1; ".x" = 2; "a." = 3; a.b = 4;',
      '  specialisation.s.configuration = { boot.kernelParams = [ "c" ]; };',
      '  boot = { kernelModules = [ "vfio" ]; };',
      '}',
    ].join('\n');
    const model = buildModel(
      '/m/configuration.nix',
      diskLoader(parser, (path) => (path === '/m/configuration.nix' ? { text } : undefined)),
    );
    const keys = model.definitions.map((definition) => pathKey(definition.path));
    // Every key, every prefix of one, and names that match nothing.
    const options = new Set(['', 'boot.kernel', 'x', 'nothing.here']);
    for (const key of keys) key.split('.').forEach((_, at, names) => options.add(names.slice(0, at + 1).join('.')));
    for (const view of [new ConfigView(model), new ConfigView(model, 's')]) {
      const visible = model.definitions.filter((definition) => definition.specialisation === undefined || definition.specialisation === view.specialisation);
      for (const option of options) {
        const key = (definition: (typeof visible)[number]) => pathKey(definition.path);
        assert.deepEqual(
          view.definitions(option),
          visible.filter((definition) => key(definition) === option),
          `definitions(${JSON.stringify(option)})`,
        );
        assert.deepEqual(
          view.definitionsUnder(option),
          visible.filter((definition) => key(definition) === option || key(definition).startsWith(`${option}.`)),
          `definitionsUnder(${JSON.stringify(option)})`,
        );
      }
    }
    assert.equal(new ConfigView(model).definitions('boot.kernelParams').length, 2);
  });

  it('an unread import or unknown value makes an option not fully known', async () => {
    const parser = await sharedParser();
    const unknownDir = join(MODEL_FIXTURES, 'unknown-stays-unknown');
    const unknownModel = buildModel(join(unknownDir, 'configuration.nix'), diskLoader(parser));
    assert.equal(new ConfigView(unknownModel).fullyKnown('boot.kernelParams'), false);
    const nestedDir = join(MODEL_FIXTURES, 'dotted-and-nested');
    const nestedModel = buildModel(join(nestedDir, 'configuration.nix'), diskLoader(parser));
    assert.equal(new ConfigView(nestedModel).fullyKnown('boot.kernelParams'), true);
  });
});
