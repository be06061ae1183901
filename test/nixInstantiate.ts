// The one way tests ask `nix-instantiate --parse` whether Nix accepts a text, and the one policy
// when the program is missing: the test fails, unless NIX_VFIO_SKIP_NIX=1 is set, in which case
// it is skipped through t.skip (the runner reports it as skipped, never as passed).
import { execFile, execFileSync } from 'node:child_process';
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

// Many files at once (test/parseDifferential.test.ts): one process judges many files. It parses
// them in order and stops at the first it rejects, so a failing run says that every earlier file
// parses, names the rejected one (its path is in the message), and the run goes on after it.
export type NixVerdict = { ok: true } | { ok: false; error: string };

/** Fixed arguments: no store database (`--parse` needs none), no user configuration. */
const NIX_ARGS = ['--store', 'dummy://', '--parse'];
const NIX_ENV = { ...process.env, NIX_USER_CONF_FILES: '', NIX_REMOTE: '' };

/** nix-instantiate's version line, e.g. "nix-instantiate (Nix) 2.8.0". */
export function nixInstantiateVersion(): string {
  return execFileSync('nix-instantiate', ['--version'], { encoding: 'utf8' }).trim();
}

function run(files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('nix-instantiate', [...NIX_ARGS, ...files], { env: NIX_ENV, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** The message without nix's warnings about this machine (no nixbld group and the like). */
function errorText(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('warning:'))
    .join('\n')
    .trim();
}

/** Judges files in order: every file's verdict, from as few processes as there are rejected files + 1. */
async function judgeInOrder(files: string[], verdicts: Map<string, NixVerdict>): Promise<void> {
  let rest = files;
  while (rest.length > 0) {
    const result = await run(rest);
    if (result.code === 0) {
      for (const file of rest) verdicts.set(file, { ok: true });
      return;
    }
    // Which file failed: the one its message names; else the one after the printed expressions.
    // A path that is a prefix of another (a.nix, a.nix.nix) is ruled out by the ':' after it.
    let failed = rest.findIndex((file) => result.stderr.includes(`${file}:`));
    if (failed < 0) failed = result.stdout.split('\n').length - 1;
    if (failed < 0 || failed >= rest.length) throw new Error(`cannot tell which file nix-instantiate rejected:\n${result.stderr}`);
    for (const file of rest.slice(0, failed)) verdicts.set(file, { ok: true });
    verdicts.set(rest[failed]!, { ok: false, error: errorText(result.stderr) });
    rest = rest.slice(failed + 1);
  }
}

/**
 * `nix-instantiate --parse` on each file: accepted, or rejected with Nix's message. Files are
 * judged in the order given, spread over `concurrency` runs: put the ones likely to be rejected
 * first, so that each run that fails has parsed little before it.
 */
export async function nixParseFiles(files: string[], concurrency = 3): Promise<Map<string, NixVerdict>> {
  const verdicts = new Map<string, NixVerdict>();
  const chunks = Array.from({ length: concurrency }, (_, index) => files.filter((_, position) => position % concurrency === index));
  await Promise.all(chunks.map((part) => judgeInOrder(part, verdicts)));
  return verdicts;
}

/** `nix-instantiate --parse` on texts (written to a temporary folder), in the order given. */
export async function nixParseTexts(texts: string[], concurrency = 3): Promise<NixVerdict[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nix-parse-'));
  try {
    const files = texts.map((text, index) => {
      const file = join(dir, `${index}.nix`);
      writeFileSync(file, text);
      return file;
    });
    const verdicts = await nixParseFiles(files, concurrency);
    return files.map((file) => verdicts.get(file)!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
