// Past its nesting limits the model stops reading (mkIf/optionalAttrs/mkMerge/let/with/parentheses
// in modules, `++`/`+`/if-then-else/let in values, `++` in mkMerge lists). Findings inside cannot be
// made; instead one model-depth-limit info says where, once per file, and nothing is claimed
// missing. Each shape is checked shallow (its finding is there, no limit finding) and deep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeConfiguration, Analysis } from '../server/src/analysis/analyze';
import { SERVER_FINDINGS } from '../server/src/analysis/catalogue';
import { diskLoader } from '../server/src/model/loadFiles';
import { LineIndex } from '../server/src/text';
import { sharedParser } from './helpers';

const ITEM = '"amd_iommu=on"';
const LIMIT = SERVER_FINDINGS.modelDepthLimit.code;

/** Each shape: a module whose only finding (amd-iommu-on-invalid) sits `n` levels deep. */
const SHAPES: Record<string, (n: number) => string> = {
  'mkIf around the module body': (n) => `{ lib, ... }:\n${'lib.mkIf true ('.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }${')'.repeat(n)}\n`,
  'optionalAttrs around the module body': (n) => `{ lib, ... }:\n${'lib.optionalAttrs true ('.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }${')'.repeat(n)}\n`,
  'mkMerge inside mkMerge': (n) => `{ lib, ... }:\n${'lib.mkMerge [ ('.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }${') ]'.repeat(n)}\n`,
  'mkMerge of a list built with ++': (n) => `{ lib, ... }:\nlib.mkMerge (${'[ { } ] ++ '.repeat(n)}[ { boot.kernelParams = [ ${ITEM} ]; } ])\n`,
  'let around the module body': (n) => `{ ... }:\n${'let a = 1; in '.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }\n`,
  'with around the module body': (n) => `{ lib, ... }:\n${'with lib; '.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }\n`,
  'parentheses around the module body': (n) => `{ ... }:\n${'('.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }${')'.repeat(n)}\n`,
  'let in a value': (n) => `{ ... }:\n{\n  boot.kernelParams = ${'let a = 1; in '.repeat(n)}[ ${ITEM} ];\n}\n`,
  '++ in a value': (n) => `{ ... }:\n{\n  boot.kernelParams = ${'[ "quiet" ] ++ '.repeat(n)}[ ${ITEM} ];\n}\n`,
  'if-then-else in a value': (n) => `{ c, ... }:\n{\n  boot.kernelParams = ${'if c then [ ] else '.repeat(n)}[ ${ITEM} ];\n}\n`,
  'string + in a value': (n) => `{ ... }:\n{\n  boot.kernelParams = [ (${'"" + '.repeat(n)}${ITEM}) ];\n}\n`,
  'mkIf in a specialisation': (n) =>
    `{ lib, ... }:\n{\n  specialisation.deep.configuration = ${'lib.mkIf true ('.repeat(n)}{ boot.kernelParams = [ ${ITEM} ]; }${')'.repeat(n)};\n}\n`,
};

async function analyse(files: Record<string, string>): Promise<Analysis> {
  const parser = await sharedParser();
  const analysis = analyzeConfiguration(
    '/deep/configuration.nix',
    diskLoader(parser, (path) => (files[path] === undefined ? undefined : { text: files[path] })),
    undefined,
  );
  assert.deepEqual(analysis.ruleFailures, []);
  return analysis;
}

const codes = (analysis: Analysis) => analysis.findings.map((finding) => finding.code).sort();

describe('model-depth-limit: where the model stops, it says so once', () => {
  for (const [name, make] of Object.entries(SHAPES)) {
    it(name, async () => {
      const shallow = await analyse({ '/deep/configuration.nix': make(10) });
      assert.deepEqual(codes(shallow), ['amd-iommu-on-invalid'], 'ten levels are read');
      const text = make(600);
      const deep = await analyse({ '/deep/configuration.nix': text });
      assert.deepEqual(codes(deep), [LIMIT], 'past the limit: the one info finding, nothing else (and nothing claimed missing)');
      const [finding] = deep.findings;
      assert.equal(finding!.severity, 'info');
      assert.equal(finding!.file, '/deep/configuration.nix');
      // The place is inside the nesting: after its first level, before the item it could not reach.
      const firstLevel = text.indexOf('\n') + 1;
      assert.ok(
        finding!.range.start > firstLevel && finding!.range.start < text.indexOf(ITEM),
        `${finding!.range.start} in ${firstLevel}..${text.indexOf(ITEM)}`,
      );
      assert.match(finding!.message, /nested too deeply/);
    });
  }

  it('a value too deep names its option', async () => {
    const deep = await analyse({ '/deep/configuration.nix': SHAPES['++ in a value']!(600) });
    assert.match(deep.findings[0]!.message, /stops reading boot\.kernelParams here/);
  });

  it('several deep places in one file: one finding, at the first; other files get their own; shallow findings stay', async () => {
    const root = [
      '{ lib, ... }:',
      '{',
      '  imports = [ ./deep.nix ];',
      `  boot.kernelParams = ${'[ "quiet" ] ++ '.repeat(400)}[ "a" ];`,
      `  boot.kernelModules = ${'[ "kvm" ] ++ '.repeat(400)}[ "b" ];`,
      `  boot.blacklistedKernelModules = [ "vfio pci" ];`,
      '}',
      '',
    ].join('\n');
    const imported = SHAPES['with around the module body']!(600);
    const deep = await analyse({ '/deep/configuration.nix': root, '/deep/deep.nix': imported });
    const texts: Record<string, string> = { '/deep/configuration.nix': root, '/deep/deep.nix': imported };
    const places = deep.findings
      .filter((finding) => finding.code === LIMIT)
      .map((finding) => [finding.file, new LineIndex(texts[finding.file]!).positionAt(finding.range.start).line]);
    assert.deepEqual(places.sort(), [
      ['/deep/configuration.nix', 3],
      ['/deep/deep.nix', 1],
    ]);
    assert.ok(
      deep.findings.some((finding) => finding.code === 'module-name-with-spaces'),
      'what is read is still checked',
    );
  });
});
