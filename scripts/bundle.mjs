// Bundles the client, the language server and the CLI into dist/, and puts the two wasm files
// (web-tree-sitter's runtime and our Nix grammar) beside them, where the parser looks first.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The package's exports hide package.json; its cjs entry sits at the package root.
const webTreeSitterDir = dirname(require.resolve('web-tree-sitter'));
const production = process.argv.includes('--production');

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: {
    client: 'client/src/extension.ts',
    server: 'server/src/lsp/main.ts',
    cli: 'server/src/cli/main.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  // The ESM build of web-tree-sitter breaks inside a cjs bundle (import.meta); use its cjs file.
  alias: { 'web-tree-sitter': join(webTreeSitterDir, 'tree-sitter.cjs') },
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});
copyFileSync(join(webTreeSitterDir, 'tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync('server/grammar/tree-sitter-nix.wasm', 'dist/tree-sitter-nix.wasm');
