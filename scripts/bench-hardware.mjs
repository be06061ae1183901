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
  let devices = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const result = scanSysfs('/');
    scans.push(performance.now() - started);
    devices = result.snapshot?.devices.length ?? 0;
  }
  const scan = median(scans);
  const lspciTimes = [];
  let lspci = 'lspci not found (apt-get install pciutils)';
  try {
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      await run('lspci', ['-nn'], { timeout: 10_000 });
      lspciTimes.push(performance.now() - started);
    }
    lspci = `lspci -nn ${median(lspciTimes).toFixed(1)} ms, ×${(median(lspciTimes) / scan).toFixed(1)} the scan (target: at least ×5)`;
  } catch {
    // reported in the row
  }
  return [[`scan of this machine (${devices} devices)`, scan, lspciTimes.length ? Number((median(lspciTimes) / 5).toFixed(2)) : Number.NaN, 'ms', lspci]];
}
