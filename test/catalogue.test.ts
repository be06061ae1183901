// The typed catalogue: fix ids and their arguments are checked by the compiler (the
// `@ts-expect-error` lines below fail `npm run typecheck` if a misspelt id or a wrong argument
// ever compiles), every rule and fix file is registered under its own name, and the setting,
// the CLI and docs/rules.md agree with the registry (UPDATE_EXPECT=1 rewrites the generated parts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATALOGUE, RULE_CODES, SERVER_FINDINGS } from '../server/src/analysis/catalogue';
import { FIX_IDS, FIXES } from '../server/src/fixes/registry';
import type { FixRequest } from '../server/src/fixes/types';
import { RULES } from '../server/src/rules/registry';
import { fill } from '../server/src/rules/messages';
import type { Finding, Rule } from '../server/src/rules/types';
import { REPO_ROOT } from './helpers';

const SERVER_SRC = join(REPO_ROOT, 'server', 'src');
const range = { start: 0, end: 0 };

/** Never called: it exists for the type check. */
export function typeChecks(): Finding[] {
  const good: FixRequest = { fix: 'add-list-items', title: 't', args: { option: 'boot.initrd.kernelModules', items: ['vfio_pci'] } };
  // @ts-expect-error a misspelt fix id does not compile
  const misspelt: FixRequest = { fix: 'add-list-iten', title: 't', args: { option: 'o', item: 'i' } };
  // @ts-expect-error list arguments are arrays, not comma-joined strings
  const joined: FixRequest = { fix: 'add-list-items', title: 't', args: { option: 'o', items: 'a,b' } };
  // @ts-expect-error an argument the fix does not take
  const extra: FixRequest = { fix: 'remove-binding', title: 't', args: { option: 'o', item: 'i' } };
  // @ts-expect-error all-of takes requests, not JSON in a string
  const json: FixRequest = { fix: 'all-of', title: 't', args: { steps: JSON.stringify([good]) } };
  // @ts-expect-error a rule must say whether it needs hardware
  const rule: Rule = { code: 'x', severity: 'info', title: 't', check: () => [] };
  // @ts-expect-error a rule that loops the views itself says so (acrossViews: true)
  const looping: Rule = { code: 'x', severity: 'info', title: 't', needsHardware: false, check: () => [] };
  const ownerless: Rule = {
    code: 'x',
    severity: 'info',
    title: 't',
    needsHardware: false,
    // @ts-expect-error a per-view rule's findings name the definition they are about (owner)
    checkView: () => [{ code: 'x', severity: 'info', message: 'm', file: 'f', range }],
  };
  // @ts-expect-error a template's placeholders are filled by name, none misspelt
  const misspeltPlaceholder = fill('"{text}" is not valid', { txt: 'x' });
  void [rule, looping, ownerless, misspeltPlaceholder];
  return [misspelt, joined, extra, json].map((fix) => ({ code: 'x', severity: 'info', message: 'm', file: 'f', range, fix }));
}

const kebab = (name: string) => name.replace(/\.ts$/, '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

describe('typed catalogue', () => {
  it('each fix file is registered under the id its file name spells, and says that id', () => {
    const helpers = ['registry.ts', 'types.ts', 'listEdits.ts', 'vfioTokens.ts', 'placement.ts', 'parentExpression.ts', 'guard.ts'];
    const fixFiles = readdirSync(join(SERVER_SRC, 'fixes')).filter((name) => name.endsWith('.ts') && !helpers.includes(name));
    assert.deepEqual([...FIX_IDS].sort(), fixFiles.map(kebab).sort());
    for (const id of FIX_IDS) assert.equal(FIXES[id].id, id);
  });

  it('each rule file exports the rule registered for it, codes unique', () => {
    const ruleFiles = readdirSync(join(SERVER_SRC, 'rules')).filter(
      (name) => name.endsWith('.ts') && !['registry.ts', 'types.ts', 'messages.ts'].includes(name),
    );
    const registered = new Set<Rule>(RULES);
    for (const name of ruleFiles) {
      const exported = Object.values(require(join(__dirname, '..', 'server', 'src', 'rules', name.replace(/\.ts$/, '.js')))).filter(
        (value): value is Rule => typeof value === 'object' && value !== null && ('check' in value || 'checkView' in value),
      );
      assert.equal(exported.length, 1, `${name} exports one rule`);
      assert.ok(registered.delete(exported[0]!), `${name}'s rule is in the registry`);
    }
    assert.deepEqual(
      [...registered].map((rule) => rule.code),
      [],
      'every registered rule has its own file',
    );
    assert.equal(new Set(CATALOGUE.map((entry) => entry.code)).size, CATALOGUE.length, 'codes are unique across rules and server findings');
  });

  it('the nixVfio.rules.disabled setting offers exactly the rule codes, described by their titles', () => {
    const manifestPath = join(REPO_ROOT, 'package.json');
    const text = readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(text);
    const items = manifest.contributes.configuration.properties['nixVfio.rules.disabled'].items;
    const wanted = { type: 'string', enum: [...RULE_CODES], enumDescriptions: RULES.map((rule) => rule.title) };
    if (process.env.UPDATE_EXPECT === '1' && JSON.stringify(items) !== JSON.stringify(wanted)) {
      manifest.contributes.configuration.properties['nixVfio.rules.disabled'].items = wanted;
      writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      return;
    }
    assert.deepEqual(items, wanted, 'package.json is out of date: run the tests with UPDATE_EXPECT=1');
  });

  it('docs/rules.md has the generated index and a section for every code', () => {
    const docsPath = join(REPO_ROOT, 'docs', 'rules.md');
    const docs = readFileSync(docsPath, 'utf8');
    for (const entry of CATALOGUE) {
      const headings = [...docs.matchAll(/^###+ `([^`]+)`/gm)].map((match) => match[1]);
      assert.ok(headings.includes(entry.code), `docs/rules.md has a section for ${entry.code}`);
      assert.equal(entry.docAnchor, entry.code, 'the anchor of a `code` heading is the code');
    }
    const begin = '<!-- index: generated from the registry by the tests (UPDATE_EXPECT=1) -->';
    const end = '<!-- end of index -->';
    const row = (entry: (typeof CATALOGUE)[number]) =>
      `| [\`${entry.code}\`](#${entry.docAnchor}) | ${[entry.severity, ...entry.otherSeverities].join(', ')} | ${entry.needsHardware ? 'yes' : ''} | ${entry.title} |`;
    const index = [
      begin,
      '| Code | Severity | Needs hardware | What |',
      '| --- | --- | --- | --- |',
      ...CATALOGUE.filter((entry) => entry.madeBy === 'rule').map(row),
      '',
      'Made by the language server itself (not rules, so not switched off):',
      '',
      '| Code | Severity | Needs hardware | What |',
      '| --- | --- | --- | --- |',
      ...CATALOGUE.filter((entry) => entry.madeBy === 'server').map(row),
      end,
    ].join('\n');
    const start = docs.indexOf(begin);
    const stop = docs.indexOf(end);
    assert.ok(start >= 0 && stop > start, 'docs/rules.md has the index markers');
    const current = docs.slice(start, stop + end.length);
    if (process.env.UPDATE_EXPECT === '1') {
      writeFileSync(docsPath, docs.slice(0, start) + index + docs.slice(stop + end.length));
      return;
    }
    assert.equal(current, index, 'docs/rules.md index is out of date: run the tests with UPDATE_EXPECT=1');
  });

  it('the server findings are in the catalogue', () => {
    for (const kind of Object.values(SERVER_FINDINGS)) assert.ok(CATALOGUE.some((entry) => entry.code === kind.code && entry.madeBy === 'server'));
  });
});
