// The model cache moves a reused binding's results by moving the range objects it lists field by
// field (modelCache.ts's resultRanges). Here those lists are compared with a reflective walk that
// finds every object with a numeric start and end, on every fixture model: a field with a range
// the lists miss would not move after an edit.
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { resultRanges } from '../server/src/model/modelCache';
import type { TextRange } from '../server/src/text';
import { FIXTURES, fixtureRoots, sharedParser } from './helpers';

/** Every distinct object below `value` that has a numeric start and end (the reflective collection the lists replaced). */
function reflectiveRanges(value: unknown, found: Set<TextRange>, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  if (typeof record.start === 'number' && typeof record.end === 'number') {
    found.add(value as TextRange);
    return;
  }
  for (const child of Array.isArray(value) ? value : Object.values(record)) reflectiveRanges(child, found, seen);
}

describe('model cache range lists', () => {
  it('list every range a walk produces, on every fixture model', async () => {
    const parser = await sharedParser();
    const roots = fixtureRoots();
    assert.ok(roots.length > 100, `${roots.length} fixture models`);
    for (const root of roots) {
      const model = buildModel(root, diskLoader(parser));
      const results = { definitions: model.definitions, attrsets: model.attrsets, unread: model.unread, recorded: [] };
      const listed: TextRange[] = [];
      resultRanges(results, listed);
      const reflective = new Set<TextRange>();
      reflectiveRanges(results, reflective);
      const listedSet = new Set(listed);
      const missed = [...reflective].filter((range) => !listedSet.has(range));
      assert.deepEqual(missed, [], `${relative(FIXTURES, root)}: ranges the lists miss`);
    }
  });
});
