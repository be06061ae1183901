// Every fix offered on every rule fixture: the edited files still parse (tree-sitter and
// `nix-instantiate --parse`), the finding is gone, no new error appears, a second application
// changes nothing, and the root file then matches the reviewed golden `fixed/<code>.nix`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { fixesOf } from '../server/src/rules/types';
import { fixEdits } from '../server/src/fixes/registry';
import { FileEdit } from '../server/src/fixes/types';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { syntaxErrors } from '../server/src/parse/nixParser';
import { applyEdits } from '../server/src/text';
import { assertGolden, sharedParser } from './helpers';
import { modelBindings, normaliseAddress } from '../server/src/vfio/vfioBindings';
import type { OptionModel } from '../server/src/model/optionModel';
import type { FixRequest } from '../server/src/rules/types';
import { analyzeCase, ruleCases } from './ruleFixtures';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';

function applyFileEdits(texts: Map<string, string>, edits: FileEdit[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const file of new Set(edits.map((edit) => edit.file))) {
    result.set(
      file,
      applyEdits(
        texts.get(file) ?? '',
        edits.filter((edit) => edit.file === file),
      ),
    );
  }
  return result;
}

/** Every id and address the model binds to vfio-pci, normalised (`0f:00.0` is `0000:0f:00.0`). */
function boundTokens(model: OptionModel): Set<string> {
  return new Set(modelBindings(model).map((binding) => (binding.kind === 'slot' ? normaliseAddress(binding.token) : binding.token.toLowerCase())));
}

/**
 * The texts whose ids and addresses a fix means to take away, by its declared purpose: the ids
 * bind-by-address trades for addresses, the token a token fix removes or replaces, the item or
 * word a removal or replacement names, every token of a binding it removes. Other fixes remove none.
 */
function meantToRemove(request: FixRequest, before: OptionModel): string[] {
  switch (request.fix) {
    case 'bind-by-address':
      return request.args.ids.map((id) => id.toLowerCase());
    case 'remove-vfio-token':
    case 'replace-vfio-token':
      return [request.args.token.toLowerCase()];
    case 'remove-list-item':
    case 'replace-list-item':
      return [request.args.item.toLowerCase()];
    case 'replace-modprobe-word':
      return [request.args.word.toLowerCase()];
    case 'resolve-overridden-ids':
      // Without merge it removes the ignored assignment's ids (vfio-pci never saw them); with merge they move to the winner.
      return request.args.merge ? [] : request.args.tokens.map((token) => token.toLowerCase());
    case 'remove-binding':
      return modelBindings(before)
        .filter((binding) => binding.definition.path.join('.').startsWith(request.args.option))
        .map((binding) => binding.token.toLowerCase());
    case 'all-of':
      return request.args.steps.flatMap((step) => meantToRemove(step, before));
    default:
      return [];
  }
}

function lostTokens(before: OptionModel, after: OptionModel, request: FixRequest): string[] {
  const kept = boundTokens(after);
  const named = meantToRemove(request, before);
  const shortForm = (token: string) => token.replace(/^0000:/, '');
  return [...boundTokens(before)].filter((token) => !kept.has(token) && !named.some((text) => text.includes(shortForm(token))));
}

/**
 * A case gets a test when it offers a fix. Which ones do is decided by the reviewed goldens
 * (`fixed/`), so no test is generated just to be skipped; the first test checks that the goldens
 * and the offered fixes agree, so a fixture that starts or stops offering fixes cannot go unseen.
 */
const UPDATING = process.env.UPDATE_EXPECT === '1';
/** While goldens are (re)written every case runs, so a new fixture's fixed/ gets created. */
const FIXABLE_CASES = ruleCases().filter((testCase) => UPDATING || existsSync(join(testCase.dir, 'fixed')));
/** Guards against the property silently running over nothing (e.g. a fixture path change). */
const MIN_FIXABLE_CASES = 40;

describe('quick fixes on rule fixtures', () => {
  it(`at least ${MIN_FIXABLE_CASES} fixtures offer fixes, exactly those with reviewed results in fixed/`, async () => {
    const parser = await sharedParser();
    const offering = ruleCases()
      .filter((testCase) => analyzeCase(testCase, parser).findings.some((finding) => finding.fix))
      .map((testCase) => testCase.name);
    const withGoldens = ruleCases().filter((testCase) => existsSync(join(testCase.dir, 'fixed')));
    assert.deepEqual(
      offering,
      withGoldens.map((testCase) => testCase.name),
      'a case offers fixes exactly when it has a fixed/ folder (UPDATE_EXPECT=1 writes it)',
    );
    assert.ok(offering.length >= MIN_FIXABLE_CASES, `only ${offering.length} fixtures offer fixes`);
  });

  for (const testCase of FIXABLE_CASES) {
    it(testCase.name, async (t) => {
      const withNix = needsNixInstantiate(t);
      const parser = await sharedParser();
      const before = analyzeCase(testCase, parser);
      const texts = new Map([...before.model.files].map(([path, file]) => [path, file.text]));
      const fixable = before.findings.filter((finding) => finding.fix);
      if (UPDATING && fixable.length === 0) return;
      assert.ok(fixable.length > 0, 'a case with reviewed fixes in fixed/ offers at least one fix');
      const seenCodes = new Map<string, number>();
      const produced = new Set<string>();
      for (const finding of fixable) {
        // One golden per finding: fixed/<code>.nix, then fixed/<code>-2.nix for a second one…
        const nth = (seenCodes.get(finding.code) ?? 0) + 1;
        seenCodes.set(finding.code, nth);
        // …and fixed/<code>.alt1.nix for the finding's second fix, and so on.
        fixesOf(finding).forEach((request, alternative) => {
          const golden = `${finding.code}${nth > 1 ? `-${nth}` : ''}${alternative > 0 ? `.alt${alternative}` : ''}.nix`;
          produced.add(golden);
          const edits = fixEdits(before.model, request);
          assert.ok(edits.length > 0, `${finding.code}: an offered fix makes edits`);
          const edited = applyFileEdits(texts, edits);
          for (const [file, text] of edited) {
            const tree = parser.parse(text);
            const errorsBefore = before.model.files.get(file)!.syntaxErrors.length;
            assert.ok(syntaxErrors(tree.rootNode).length <= errorsBefore, `${finding.code}: ${basename(file)} still parses:\n${text}`);
            tree.delete();
            if (withNix && errorsBefore === 0) {
              assert.equal(nixParseError(text, 'edited.nix'), undefined, `${finding.code}: nix-instantiate --parse accepts ${basename(file)}\n${text}`);
            }
          }
          const loader = diskLoader(parser, (path) => (edited.has(path) ? { text: edited.get(path)! } : undefined));
          const after = runRules(buildModel(testCase.root, loader), testCase.hardware, testCase.settings);
          const sameRequest = JSON.stringify(request);
          assert.ok(
            !after.findings.some((other) => other.code === finding.code && fixesOf(other).some((offered) => JSON.stringify(offered) === sameRequest)),
            `${finding.code}: the finding is gone after "${request.title}"`,
          );
          const errorCodes = (findings: typeof after.findings) => findings.filter((f) => f.severity === 'error').map((f) => f.code);
          for (const code of new Set(errorCodes(after.findings))) {
            const count = (findings: typeof after.findings) => errorCodes(findings).filter((c) => c === code).length;
            assert.ok(count(after.findings) <= count(before.findings), `${finding.code}: the fix adds no ${code} error`);
          }
          assert.deepEqual(fixEdits(after.model, request), [], `${finding.code}: applying the fix again changes nothing`);
          // No lost values: every id and address the fix does not name stays bound.
          assert.deepEqual(
            lostTokens(before.model, after.model, request),
            [],
            `${finding.code}: "${request.title}" keeps every id and address it does not remove`,
          );
          // The reviewed result for the root file: minimal, in the file's own layout.
          assertGolden(edited.get(testCase.root) ?? texts.get(testCase.root)!, join(testCase.dir, 'fixed', golden));
        });
      }
      // A golden no fix produces any more is a reviewed result nothing checks: it goes.
      const fixedDir = join(testCase.dir, 'fixed');
      const stale = existsSync(fixedDir) ? readdirSync(fixedDir).filter((name) => !produced.has(name)) : [];
      if (UPDATING) for (const name of stale) rmSync(join(fixedDir, name));
      else assert.deepEqual(stale, [], `goldens in ${testCase.name}/fixed/ that no fix produces (UPDATE_EXPECT=1 deletes them)`);
    });
  }
});
