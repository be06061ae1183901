// Completing at a cursor mark in a configuration written to a temporary directory, for the setup
// completion tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestContext } from 'node:test';
import { setupCompletionsAt } from '../server/src/editor/setupCompletions';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { applyEdits } from '../server/src/text';
import { loadMachine } from './ruleFixtures';
import { sharedParser } from './helpers';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';
import assert from 'node:assert/strict';

const CURSOR = '‸';

/** Completes at the cursor mark of `text` and returns the items with the file's text after each. */
export async function complete(text: string, machine: string | undefined = 'guide-970-980'): Promise<{ label: string; detail: string; result: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-setup-'));
  try {
    const file = join(dir, 'configuration.nix');
    const offset = text.indexOf(CURSOR);
    const written = text.replace(CURSOR, '');
    writeFileSync(file, written);
    const model = buildModel(file, diskLoader(await sharedParser()));
    return setupCompletionsAt(model, machine === undefined ? undefined : loadMachine(machine), file, offset).map((item) => ({
      label: item.label,
      detail: item.detail,
      result: applyEdits(written, [{ range: item.replace, newText: item.insertText }, ...(item.additionalEdits ?? [])]),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Nix accepts the text (skipped, and reported so, only with NIX_VFIO_SKIP_NIX=1 where nix-instantiate is missing). */
export function nixParses(t: TestContext, text: string): void {
  if (needsNixInstantiate(t)) assert.equal(nixParseError(text), undefined, text);
}
