// `npm run bench`: performance figures as tables (not pass/fail tests). Each section is its own
// module under scripts/; `--quick` runs fewer rounds.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchLanguageServer, printRows } from './bench-lsp.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

printRows('Language server (through JSON-RPC)', await benchLanguageServer({ quick }));

// The hardware scan section joins when its module exists.
const hardware = join(here, 'bench-hardware.mjs');
if (existsSync(hardware)) {
  const { benchHardware } = await import(pathToFileURL(hardware).href);
  printRows('Hardware scan', await benchHardware({ quick }));
}
