// Hardware figures: scanning this machine's sysfs (in process, as the server does) against
// running `lspci -nn` on the same machine. Target: the scan at least 5× faster.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { scanSysfs } = require(join(root, 'out/server/src/hardware/scanSysfs.js'));
const run = promisify(execFile);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchHardware({ quick = false } = {}) {
  const rounds = quick ? 10 : 50;
  const scans = [];
  let result;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    result = scanSysfs('/');
    scans.push(performance.now() - started);
  }
  const scan = median(scans);
  const name = result.snapshot ? `scan of this machine (${result.snapshot.devices.length} devices)` : 'scan of this machine';
  if (!result.snapshot) return [[name, scan, null, 'ms', `skipped: no hardware here (${result.reason})`]];
  const lspciTimes = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      await run('lspci', ['-nn'], { timeout: 10_000 });
      lspciTimes.push(performance.now() - started);
    }
  } catch (caught) {
    const error = /** @type {NodeJS.ErrnoException} */ (caught);
    // Without lspci there is nothing to compare with: say so instead of passing the target.
    const why = error.code === 'ENOENT' ? 'lspci is not installed (apt-get install -y pciutils)' : `lspci -nn failed: ${error.message.split('\n')[0]}`;
    console.log(`Hardware scan compared with lspci skipped: ${why}`);
    return [[name, scan, null, 'ms', `skipped: ${why}`]];
  }
  const lspci = median(lspciTimes);
  return [[name, scan, Number((lspci / 5).toFixed(2)), 'ms', `lspci -nn ${lspci.toFixed(1)} ms, ×${(lspci / scan).toFixed(1)} the scan (target: at least ×5)`]];
}
