// Bundles the client, the language server (with its small entry, see server/src/lsp/launch.ts) and
// the CLI into dist/, and puts the two wasm files
// (web-tree-sitter's runtime and our Nix grammar) beside them, where the parser looks first.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The package's exports hide package.json; its cjs entry sits at the package root.
const webTreeSitterDir = dirname(require.resolve('web-tree-sitter'));
const production = process.argv.includes('--production');

mkdirSync('dist', { recursive: true });
/**
 * What every bundle here shares: one cjs file per entry for node 20, in dist/.
 * @type {import('esbuild').BuildOptions}
 */
const nodeBundle = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
await build({
  ...nodeBundle,
  entryPoints: {
    client: 'client/src/extension.ts',
    serverBundle: 'server/src/lsp/main.ts',
    cli: 'server/src/cli/main.ts',
  },
  external: ['vscode'],
  // The ESM build of web-tree-sitter breaks inside a cjs bundle (import.meta); use its cjs file.
  alias: { 'web-tree-sitter': join(webTreeSitterDir, 'tree-sitter.cjs') },
});
// dist/server.js, the process entry, runs serverBundle.js through V8's code cache, whose name holds
// this hash so that a cache is only ever offered to the build that made it.
const serverBundleHash = createHash('sha256').update(readFileSync('dist/serverBundle.js')).digest('hex');
await build({
  ...nodeBundle,
  entryPoints: { server: 'server/src/lsp/launch.ts' },
  define: { SERVER_BUNDLE_HASH: JSON.stringify(serverBundleHash) },
});
copyFileSync(join(webTreeSitterDir, 'tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync('server/grammar/tree-sitter-nix.wasm', 'dist/tree-sitter-nix.wasm');
