// `npm run test:fast`: compiles (no clean, no bundle) and runs the unit tests that need neither the
// bundled server nor long seeded runs, and says which suites it skips and why (`npm test` runs all).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SLOW = {
  'protocol.test.js': 'spawns the bundled server',
  'protocolFeatures.test.js': 'spawns the bundled server',
  'protocolSecurity.test.js': 'spawns the bundled server',
  'specialFiles.test.js': 'spawns the bundled server and CLI',
  'codeCache.test.js': 'runs the bundled server twice',
  'cliHelp.test.js': 'runs the bundled CLI',
  'neovim.test.js': 'drives Neovim with the bundled server',
  'pathological.test.js': 'large inputs through the bundled server',
  'fuzz.test.js': 'long seeded mutation runs',
  'sourceText.test.js': 'long random edit runs on a large document',
};

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const tests = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tests(path) : name.endsWith('.test.js') ? [path] : [];
  });
const all = tests(join('out', 'test'));
const skipped = all.filter((file) => Object.hasOwn(SLOW, file.split('/').pop()));
const run = all.filter((file) => !skipped.includes(file));
console.log(`test:fast skips ${skipped.length} slow suites (npm test runs them):`);
for (const file of skipped) console.log(`  skipped ${relative('out', file)}: ${SLOW[file.split('/').pop()]}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...run], { stdio: 'inherit' });
console.log(`test:fast skipped ${skipped.length} slow suites: ${skipped.map((file) => file.split('/').pop()).join(', ')}`);
process.exit(result.status ?? 1);
