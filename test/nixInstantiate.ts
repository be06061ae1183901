// The one way tests ask `nix-instantiate --parse` whether Nix accepts a text, and the one policy
// when the program is missing: the test fails, unless NIX_VFIO_SKIP_NIX=1 is set, in which case
// it is skipped through t.skip (the runner reports it as skipped, never as passed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROGRAM = 'nix-instantiate';
export const SKIP_NIX_VARIABLE = 'NIX_VFIO_SKIP_NIX';
const MISSING = `${PROGRAM} is not installed (Debian package nix-bin); set ${SKIP_NIX_VARIABLE}=1 to skip the checks that need it (reported as skipped)`;

let available: boolean | undefined;

/** Whether nix-instantiate runs here (asked once per process). */
export function nixInstantiateAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(PROGRAM, ['--version'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** What node:test's context offers to skip a test; a subset, so any test context fits. */
interface SkippableTest {
  skip(message?: string): void;
}

/**
 * Call first in a test that needs nix-instantiate: true when it runs here. When it does not, the
 * test is skipped (false) if NIX_VFIO_SKIP_NIX=1, and fails otherwise.
 */
export function needsNixInstantiate(t: SkippableTest): boolean {
  if (nixInstantiateAvailable()) return true;
  if (process.env[SKIP_NIX_VARIABLE] === '1') {
    t.skip(`${PROGRAM} is not installed (${SKIP_NIX_VARIABLE}=1)`);
    return false;
  }
  throw new Error(MISSING);
}

/** What `nix-instantiate --parse` says against a file, undefined when it accepts it; a missing program throws (never a silent pass). */
export function nixParseErrorOfFile(file: string): string | undefined {
  try {
    execFileSync(PROGRAM, ['--parse', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(MISSING);
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

/** The same for a text, written to a scratch file named `name`. */
export function nixParseError(text: string, name = 'default.nix'): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-parse-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    return nixParseErrorOfFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
