// `nix-instantiate --parse` for tests: one process judges many files. It parses them in order and
// stops at the first it rejects, so a failing run says that every earlier file parses, names the
// rejected one (its path is in the message), and the run goes on after it: as many processes as
// rejected files plus one, run a few at a time.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type NixVerdict = { ok: true } | { ok: false; error: string };

/** Fixed arguments: no store database (`--parse` needs none), no user configuration. */
const NIX_ARGS = ['--store', 'dummy://', '--parse'];
const NIX_ENV = { ...process.env, NIX_USER_CONF_FILES: '', NIX_REMOTE: '' };

let available: boolean | undefined;
/** Whether nix-instantiate can run here. CI installs it (Debian package nix-bin). */
export function nixInstantiateAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync('nix-instantiate', ['--version'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** The reason a test skips without nix-instantiate; in CI its absence is a failure instead. */
export function nixMissingReason(): string | undefined {
  if (nixInstantiateAvailable()) return undefined;
  if (process.env.CI) throw new Error('CI must install nix-instantiate (Debian package nix-bin)');
  return 'nix-instantiate is not installed (Debian package nix-bin)';
}

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
