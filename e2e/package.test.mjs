// The .vsix users install: one universal package holding the bundles, both wasm files and the
// user-facing files, and nothing native or from node_modules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const VSIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'nix-vfio.vsix');

it('the .vsix is universal and complete', () => {
  const listing = execFileSync('unzip', ['-Z1', VSIX], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of [
    'extension/package.json',
    'extension/dist/client.js',
    'extension/dist/server.js',
    'extension/dist/serverBundle.js',
    'extension/dist/cli.js',
    'extension/dist/tree-sitter.wasm',
    'extension/dist/tree-sitter-nix.wasm',
    'extension/syntaxes/nix.tmLanguage.json',
    'extension/snippets/vfio.code-snippets',
    'extension/language-configuration.json',
  ]) {
    assert.ok(listing.includes(file), `${file} is in the package`);
  }
  assert.deepEqual(
    listing.filter((file) => file.includes('node_modules/') || file.endsWith('.node')),
    [],
    'no dependencies or native modules',
  );
  const size = statSync(VSIX).size;
  console.log(`nix-vfio.vsix: ${listing.length} files, ${(size / 1024).toFixed(0)} KiB`);
  assert.ok(size < 5 * 1024 * 1024, 'the package stays small');
});
