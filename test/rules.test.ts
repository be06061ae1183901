// Rules as data: each fixture configuration × hardware snapshot → the expected findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedParser } from './helpers';
import { analyzeCase, findingLines, ruleCases } from './ruleFixtures';

describe('rule fixtures', () => {
  for (const testCase of ruleCases()) {
    it(testCase.name, async () => {
      const analysis = analyzeCase(testCase, await sharedParser());
      assert.deepEqual(analysis.ruleFailures, []);
      assert.deepEqual(findingLines(analysis, testCase.dir), [...testCase.expected].sort());
      for (const finding of analysis.findings) assert.ok(finding.message.length > 20, `${finding.code} has a real message`);
    });
  }
});
