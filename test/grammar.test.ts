// The TextMate grammar and its VFIO injection against the assertion files in test/grammar
// (vscode-tmgrammar-test, run with fixed arguments), and every snippet: expanded with its
// defaults, it must be valid Nix for tree-sitter and for nix-instantiate --parse.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { syntaxErrors } from '../server/src/parse/nixParser';
import { REPO_ROOT, sharedParser } from './helpers';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';

describe('TextMate grammar', () => {
  it('scopes the assertion files as written', () => {
    const tool = join(dirname(require.resolve('vscode-tmgrammar-test/package.json')), 'dist', 'unit.js');
    const result = spawnSync(process.execPath, [tool, '--config', 'package.json', 'test/grammar/*.nix'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal((result.stdout.match(/run successfuly/g) ?? []).length, 3);
  });
});

/** The alternatives of a snippet choice `${1|a,b\,c|}`: commas escaped with a backslash stay. */
function choiceAlternatives(list: string): string[] {
  return list.split(/(?<!\\),/).map((alternative) => alternative.replace(/\\(.)/g, '$1'));
}

/**
 * A snippet body with each tab stop replaced by its default (placeholder, or nothing), and each
 * choice by its `variant`-th alternative (the last one when it has fewer).
 */
export function expandSnippet(body: string[], variant = 0): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|((?:\\.|[^|])*)\|\}/g, (_, list: string) => {
      const alternatives = choiceAlternatives(list);
      return alternatives[Math.min(variant, alternatives.length - 1)] ?? '';
    })
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

/** Findings that say a snippet is out of date or wrong, whatever their severity. */
const OUTDATED_OR_INVALID = [
  'libvirt-option-renamed',
  'libvirt-option-removed',
  'libvirt-ovmf-removed',
  'vfio-virqfd-removed',
  'amd-iommu-on-invalid',
  'kernel-param-typo',
  'kernel-param-unquoted-space',
  'modprobe-vfio-option',
  'module-name-with-spaces',
  'efifb-off-obsolete',
  'vfio-id-malformed',
  'unsafe-interrupts-prefix',
];

describe('snippets', () => {
  const snippets = JSON.parse(readFileSync(join(REPO_ROOT, 'snippets', 'vfio.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;
  for (const [name, snippet] of Object.entries(snippets)) {
    const variants = Math.max(
      1,
      ...[...snippet.body.join('\n').matchAll(/\$\{\d+\|((?:\\.|[^|])*)\|\}/g)].map((match) => choiceAlternatives(match[1]!).length),
    );
    for (let variant = 0; variant < variants; variant++)
      it(`${name} (choice ${variant + 1} of ${variants}) expands to valid Nix that today's NixOS accepts`, async (t) => {
        const withNix = needsNixInstantiate(t);
        const text = `{ pkgs, ... }:\n{\n${expandSnippet(snippet.body, variant)}\n}\n`;
        const parser = await sharedParser();
        const tree = parser.parse(text);
        assert.deepEqual(syntaxErrors(tree.rootNode), [], text);
        tree.delete();
        assert.doesNotMatch(text, /qemuOvmf|qemu\.ovmf|amd_iommu=on/, 'no removed options or invalid values');
        // The rule catalog, for the current release, finds nothing removed, renamed or invalid in it.
        const path = join(REPO_ROOT, 'snippet.nix');
        const model = buildModel(
          path,
          diskLoader(parser, (file) => (file === path ? { text } : undefined)),
        );
        const findings = runRules(model, undefined).findings;
        assert.deepEqual(
          findings
            .filter((finding) => finding.severity === 'error' || OUTDATED_OR_INVALID.includes(finding.code))
            .map((finding) => `${finding.code}: ${finding.message}`),
          [],
          text,
        );
        if (withNix) assert.equal(nixParseError(text, 'snippet.nix'), undefined, `nix-instantiate rejects ${name}:\n${text}`);
      });
  }
});
