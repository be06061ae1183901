// The model's lookup structures (the definition index, the sets a binding can go into, a set's
// bindings by first name) against brute-force scans, on every fixture model and on models built
// with a ModelCache across edits, where the index is carried over from the previous model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, ModelCache } from '../server/src/model/buildModel';
import { CarriedFilters, filterCarried, sharedRuns } from '../server/src/model/carriedFilter';
import { diskLoader } from '../server/src/model/loadFiles';
import { attrsetsAbove, bindingsNamed, configViews, Definition, isPrefix, OptionModel, optionDefinitions, pathKey } from '../server/src/model/optionModel';
import { FIXTURES, fixtureRoots, seededRandom, sharedParser } from './helpers';
import { join } from 'node:path';

/** Positions in model.definitions, so answers are compared by identity and order. */
function positions(model: OptionModel, definitions: readonly Definition[]): number[] {
  return definitions.map((definition) => model.definitions.indexOf(definition));
}

/** Asks the index everything the model's own paths suggest and compares with plain scans. */
function assertIndexMatchesScans(model: OptionModel, label: string): void {
  const options = new Set<string>(['', 'boot', 'boot.kernelParams', 'no.such.option', 'virtualisation.libvirtd']);
  for (const definition of model.definitions) {
    const segments = pathKey(definition.path).split('.');
    for (let length = 1; length <= segments.length; length++) options.add(segments.slice(0, length).join('.'));
  }
  const views = configViews(model);
  for (const option of options) {
    const exact = model.definitions.filter((definition) => pathKey(definition.path) === option);
    assert.deepEqual(positions(model, optionDefinitions(model, option)), positions(model, exact), `${label}: definitions of ${option}`);
    const under = model.definitions.filter((definition) => {
      const key = pathKey(definition.path);
      return key === option || key.startsWith(`${option}.`);
    });
    for (const view of views) {
      // Which specialisations a view includes is decided by `definitions`, checked above.
      const expected = under.filter((definition) => view.definitions(pathKey(definition.path)).includes(definition));
      assert.deepEqual(
        positions(model, view.definitionsUnder(option)),
        positions(model, expected),
        `${label}: definitions under ${option} in ${view.specialisation ?? 'base'}`,
      );
    }
  }
  const paths = [...new Set(model.definitions.map((definition) => JSON.stringify(definition.path)))].map((path) => JSON.parse(path) as string[]);
  paths.push(['boot', 'kernelParams'], ['a'], ['services', 'x', 'y', 'z']);
  for (const path of paths) {
    for (const specialisation of [undefined, ...model.specialisations, 'absent']) {
      const expected = model.attrsets.filter(
        (scope) => scope.specialisation === specialisation && scope.prefix.length < path.length && isPrefix(scope.prefix, path),
      );
      assert.deepEqual(
        attrsetsAbove(model, path, specialisation).map((scope) => model.attrsets.indexOf(scope)),
        expected.map((scope) => model.attrsets.indexOf(scope)),
        `${label}: sets above ${path.join('.')} in ${specialisation ?? 'base'}`,
      );
    }
  }
  for (const scope of model.attrsets) {
    const names = new Set(scope.bindings.map((binding) => binding.names[0]).filter((name): name is string => name !== undefined));
    names.add('absent');
    for (const name of names) {
      const expected = scope.bindings.filter((binding) => binding.names[0] === name);
      assert.deepEqual(
        bindingsNamed(scope, name).map((binding) => scope.bindings.indexOf(binding)),
        expected.map((binding) => scope.bindings.indexOf(binding)),
        `${label}: bindings named ${name}`,
      );
    }
  }
}

describe('carried filters', () => {
  const isEven = (item: { value: number }) => item.value % 2 === 0;

  it('give what a plain filter gives, for edits at one or several places, and test only what changed', () => {
    const next = seededRandom(8);
    let made = 0;
    const item = () => ({ value: made++ });
    for (let round = 0; round < 400; round++) {
      const old = Array.from({ length: Math.floor(next() * 300) }, item);
      const source = [...old];
      const places = Math.floor(next() * 4);
      for (let edit = 0; edit < places; edit++) {
        const at = Math.floor(next() * (source.length + 1));
        const removed = Math.floor(next() * (next() < 0.9 ? 4 : 40));
        const added = Array.from({ length: Math.floor(next() * (next() < 0.9 ? 4 : 40)) }, item);
        source.splice(at, removed, ...added);
      }
      if (next() < 0.05) source.reverse();
      const earlier = filterCarried(old, isEven);
      let tested = 0;
      const carried = filterCarried(source, (candidate) => (tested++, isEven(candidate)), earlier);
      assert.deepEqual(carried.items, source.filter(isEven), `round ${round}`);
      assert.deepEqual(
        carried.positions,
        carried.items.map((candidate) => source.indexOf(candidate)),
        `round ${round}`,
      );
      const shared = sharedRuns(old, source).reduce((sum, run) => sum + run.length, 0);
      assert.equal(tested, source.length - shared, `round ${round}: only items outside shared runs are tested`);
    }
  });

  it('after a new first item and one changed item in the middle, test just those two', () => {
    const old = Array.from({ length: 5000 }, (_, value) => ({ value }));
    const source = [...old];
    source[0] = { value: -2 };
    source[2500] = { value: 2500 };
    let tested = 0;
    const carried = filterCarried(source, (candidate) => (tested++, isEven(candidate)), filterCarried(old, isEven));
    assert.equal(tested, 2);
    assert.deepEqual(carried.items, source.filter(isEven));
  });
});

describe('remembered filters', () => {
  it('start from the previous array of the same name, and stay right when arrays alternate', () => {
    const filters = new CarriedFilters<{ value: number }>();
    const next = seededRandom(12);
    let made = 0;
    const item = () => ({ value: made++ });
    const isOdd = (candidate: { value: number }) => candidate.value % 2 === 1;
    const other = Array.from({ length: 500 }, item);
    let source = Array.from({ length: 2000 }, item);
    filters.filter('odd', source, isOdd);
    for (let step = 0; step < 50; step++) {
      const edited = [...source];
      edited.splice(Math.floor(next() * edited.length), 1, item(), item());
      let tested = 0;
      const found = filters.filter('odd', edited, (candidate) => (tested++, isOdd(candidate)));
      assert.deepEqual(found.items, edited.filter(isOdd));
      assert.ok(tested <= 2, `step ${step}: tested ${tested} items`);
      // Asked again for the same array: the same answer, nothing tested.
      assert.equal(
        filters.filter('odd', edited, () => assert.fail('tested again')),
        found,
      );
      // Another array in between: still right (then the next edit is tested from scratch once).
      if (step % 10 === 9) {
        assert.deepEqual(filters.filter('odd', other, isOdd).items, other.filter(isOdd));
        filters.filter('odd', edited, isOdd);
      }
      source = edited;
    }
  });
});

describe('definition index', () => {
  it('answers as plain scans do on every fixture model', async () => {
    const parser = await sharedParser();
    const roots = fixtureRoots();
    assert.ok(roots.length > 100, `found ${roots.length} fixture configurations`);
    for (const root of roots) assertIndexMatchesScans(buildModel(root, diskLoader(parser)), root);
  });

  it('answers as plain scans do on models built with the cache across edits (carried over from the previous model)', async () => {
    const parser = await sharedParser();
    const next = seededRandom(31);
    const lines = ['{ config, lib, ... }:', '{'];
    for (let i = 0; i < 60; i++) {
      lines.push(`  services.s${i} = { enable = true; settings.port = ${i}; };`);
      if (i % 7 === 0) lines.push(`  boot.kernelModules = [ "m${i}" ];`);
      if (i % 11 === 0) lines.push(`  "boot.x${i}" = lib.mkIf config.y { a = 1; };`);
      if (i % 13 === 0) lines.push(`  specialisation.s${i}.configuration.boot.kernelParams = [ "p${i}" ];`);
    }
    lines.push('}');
    let text = lines.join('\n');
    const path = join(FIXTURES, 'synthetic-index.nix');
    const cache = new ModelCache();
    const edits = [
      (at: number) => `${text.slice(0, at)}\n  boot.initrd.kernelModules = [ "vfio_pci" ];${text.slice(at)}`,
      (at: number) => `${text.slice(0, at)}\n  services.n${at} = { enable = false; };${text.slice(at)}`,
      (at: number) => `${text.slice(0, at)}\n  virtualisation.libvirtd.enable = true;${text.slice(at)}`,
      (at: number) => text.slice(0, at) + text.slice(text.indexOf('\n', at + 1)),
    ];
    for (let step = 0; step < 60; step++) {
      const current = text;
      const model = buildModel(
        path,
        diskLoader(parser, (file) => (file === path ? { text: current } : undefined)),
        cache,
      );
      assertIndexMatchesScans(model, `step ${step}`);
      // Edits land on line boundaries inside the set, so the text keeps parsing and most bindings are reused.
      const lineStarts = [...text.matchAll(/\n/g)]
        .map((match) => match.index!)
        .filter((offset) => offset > text.indexOf('{\n') && offset < text.lastIndexOf('\n}'));
      const at = lineStarts[Math.floor(next() * lineStarts.length)]!;
      text = edits[Math.floor(next() * edits.length)]!(at);
    }
  });
});
