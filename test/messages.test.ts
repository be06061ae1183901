// Named message templates: `fill` and the pattern of a template, and for every rule that lists its
// `messages`, each of its findings in the rule fixtures says one of them and each is said somewhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fill, templatePattern } from '../server/src/rules/messages';
import { RULES } from '../server/src/rules/registry';
import { sharedParser } from './helpers';
import { analyzeCase, ruleCases } from './ruleFixtures';

describe('message templates', () => {
  it('fill puts each value in its placeholder; the pattern matches what fill makes and nothing else', () => {
    const template = '"{text}" is not (a) value [x] {what}.';
    const filled = fill(template, { text: 'amd_iommu=on', what: 'the kernel knows' });
    assert.equal(filled, '"amd_iommu=on" is not (a) value [x] the kernel knows.');
    assert.match(filled, templatePattern(template));
    assert.doesNotMatch('"amd_iommu=on" is not a value [x] the kernel knows.', templatePattern(template));
    assert.doesNotMatch(`More. ${filled}`, templatePattern(template));
  });

  it('rules that list their messages say only those, and each is said by some fixture', async () => {
    const withMessages = RULES.filter((rule) => rule.messages);
    assert.ok(withMessages.length > 0);
    const said = new Map(withMessages.map((rule) => [rule.code, new Set<string>()]));
    const parser = await sharedParser();
    for (const testCase of ruleCases()) {
      for (const finding of analyzeCase(testCase, parser).findings) {
        const rule = withMessages.find((candidate) => candidate.code === finding.code);
        if (!rule) continue;
        const name = Object.entries(rule.messages!).find(([, template]) => templatePattern(template).test(finding.message))?.[0];
        assert.ok(name, `${testCase.name}: ${finding.code} said a message none of its templates makes: ${finding.message}`);
        said.get(rule.code)!.add(name);
      }
    }
    for (const rule of withMessages) {
      const unsaid = Object.keys(rule.messages!).filter((name) => !said.get(rule.code)!.has(name));
      assert.deepEqual(unsaid, [], `${rule.code}: templates no fixture shows (add a scenario that says them)`);
    }
  });
});
