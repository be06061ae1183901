// The TextMate grammar and its VFIO injection against the assertion files in test/grammar
// (vscode-tmgrammar-test, run with fixed arguments), and every snippet: expanded with its
// defaults, it must be valid Nix for tree-sitter and for nix-instantiate --parse.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { syntaxErrors } from '../server/src/parse/nixParser';
import { REPO_ROOT, sharedParser } from './helpers';

describe('TextMate grammar', () => {
  it('scopes the assertion files as written', () => {
    const tool = join(dirname(require.resolve('vscode-tmgrammar-test/package.json')), 'dist', 'unit.js');
    const result = spawnSync(process.execPath, [tool, '--config', 'package.json', 'test/grammar/*.nix'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal((result.stdout.match(/run successfuly/g) ?? []).length, 3);
  });
});

/** A snippet body with each tab stop replaced by its default (first choice, placeholder, or nothing). */
export function expandSnippet(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|((?:\\.|[^,|])*)(?:,[^|]*)?\|\}/g, (_, first: string) => first.replace(/\\(.)/g, '$1'))
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

describe('snippets', () => {
  const snippets = JSON.parse(readFileSync(join(REPO_ROOT, 'snippets', 'vfio.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;
  for (const [name, snippet] of Object.entries(snippets)) {
    it(`${name} expands to valid Nix`, async () => {
      const text = `{ pkgs, ... }:\n{\n${expandSnippet(snippet.body)}\n}\n`;
      const parser = await sharedParser();
      const tree = parser.parse(text);
      assert.deepEqual(syntaxErrors(tree.rootNode), [], text);
      tree.delete();
      assert.doesNotMatch(text, /qemuOvmf|qemu\.ovmf|amd_iommu=on/, 'no removed options or invalid values');
      const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-snippet-'));
      try {
        writeFileSync(join(dir, 'snippet.nix'), text);
        execFileSync('nix-instantiate', ['--parse', join(dir, 'snippet.nix')], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !process.env.CI) return;
        throw new Error(`nix-instantiate rejects ${name}: ${(error as { stderr?: Buffer }).stderr}\n${text}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
