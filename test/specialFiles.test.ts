// Only regular files are read (server/src/regularFile.ts): FIFOs, /dev/zero, sockets and
// directories named as configurations, imports, snapshots, sysfs/procfs files or pci.ids are
// refused with a message instead of a read that never ends. Every case that could hang runs in a
// child process or against the spawned server with a hang guard: a hang fails the test.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { READ_LIMITS, readRegularFile, readRegularText } from '../server/src/regularFile';
import { writeSysfsTree } from './hardware/sysfsTree';
import { REPO_ROOT } from './helpers';
import { openDocument, startLspSession } from './lspSession';
import { loadMachine } from './ruleFixtures';

/** Well within the 10 s; a hang is killed here and fails the test. */
const HANG_GUARD_MS = 10_000;
const CLI = join(REPO_ROOT, 'dist', 'cli.js');

function mkfifo(path: string): void {
  const result = spawnSync('mkfifo', [path]);
  assert.equal(result.status, 0, `mkfifo ${path}: ${String(result.stderr)}`);
}

/** Runs the bundled CLI; rejects when it does not finish within the guard. */
function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...argv], { cwd, timeout: HANG_GUARD_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error.killed || error.signal)) return reject(new Error(`nix-vfio ${argv.join(' ')} did not finish within ${HANG_GUARD_MS} ms (hang)`));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs `readRegularFile` on `path` in a child process (a blocking open or read there cannot hang the test runner). */
function readInChild(path: string, limits: object): Promise<unknown> {
  const module = join(REPO_ROOT, 'out', 'server', 'src', 'regularFile.js');
  const script = `const r = require(${JSON.stringify(module)}).readRegularFile(${JSON.stringify(path)}, ${JSON.stringify(limits)});
process.stdout.write(JSON.stringify(r.ok ? { ok: true, length: r.bytes.length, truncated: r.truncated } : r));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: HANG_GUARD_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout) => {
      if (error) return reject(new Error(`reading ${path} did not finish (${error.message})`));
      resolve(JSON.parse(stdout));
    });
  });
}

/** Every .ts file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('only regular files are read', () => {
  it('no server or client source reads a file except through regularFile.ts (or one of the listed own files)', () => {
    // The files the project ships and reads itself, and standard input that `--from -` asks for.
    const allowed = new Map([
      ['server/src/lsp/launch.ts', 'the server bundle beside it'],
      ['server/src/parse/nixParser.ts', 'the grammar wasm shipped with it'],
      ['server/src/cli/hardwareInput.ts', 'standard input for --from -'],
    ]);
    const reading = /\b(readFileSync|readFile|createReadStream|statSync|openSync|readSync)\b/;
    for (const file of [...sourceFiles(join(REPO_ROOT, 'server/src')), ...sourceFiles(join(REPO_ROOT, 'client/src'))]) {
      const relative = file.slice(REPO_ROOT.length + 1);
      if (relative === 'server/src/regularFile.ts' || allowed.has(relative)) continue;
      const found = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && reading.test(line));
      assert.deepEqual(found, [], `${relative} reads files directly; use readRegularFile`);
    }
  });
});

describe('readRegularFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nix-vfio-special-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file whole, with its mtime and size', () => {
    writeFileSync(join(dir, 'a.nix'), '{ }\n');
    const read = readRegularText(join(dir, 'a.nix'), { maxBytes: 100 });
    assert.ok(read.ok);
    assert.equal(read.text, '{ }\n');
    assert.equal(read.size, 4);
    assert.equal(read.truncated, false);
  });

  it('refuses a FIFO without blocking on its open, and /dev/zero without reading it', async () => {
    mkfifo(join(dir, 'fifo'));
    assert.deepEqual(await readInChild(join(dir, 'fifo'), { maxBytes: 100 }), {
      ok: false,
      kind: 'not-regular',
      reason: 'it is a FIFO (named pipe), not a regular file',
    });
    assert.deepEqual(await readInChild('/dev/zero', { maxBytes: 100 }), {
      ok: false,
      kind: 'not-regular',
      reason: 'it is a character device, not a regular file',
    });
    assert.deepEqual(await readInChild('/dev/zero', { maxBytes: 100, overLimit: 'truncate' }), {
      ok: false,
      kind: 'not-regular',
      reason: 'it is a character device, not a regular file',
    });
  });

  it('names a directory and a missing file as such', () => {
    const directory = readRegularFile(dir, { maxBytes: 100 });
    assert.ok(!directory.ok && directory.kind === 'directory');
    const missing = readRegularFile(join(dir, 'nope'), { maxBytes: 100 });
    assert.ok(!missing.ok && missing.kind === 'missing' && missing.reason === 'no such file');
  });

  it('refuses a file over the limit, or keeps its first bytes when asked to truncate', () => {
    writeFileSync(join(dir, 'big'), 'x'.repeat(10_000));
    const refused = readRegularFile(join(dir, 'big'), { maxBytes: 4096 });
    assert.ok(!refused.ok && refused.kind === 'too-large' && refused.reason === 'it is larger than 4 KiB');
    const cut = readRegularFile(join(dir, 'big'), { maxBytes: 4096, overLimit: 'truncate' });
    assert.ok(cut.ok && cut.truncated && cut.bytes.length === 4096);
    const exact = readRegularFile(join(dir, 'big'), { maxBytes: 10_000 });
    assert.ok(exact.ok && !exact.truncated && exact.bytes.length === 10_000);
  });

  it('reads procfs files that report size 0 up to the limit, not to st_size', (t) => {
    const read = readRegularText('/proc/self/status', { maxBytes: READ_LIMITS.procLine });
    if (!read.ok) return t.skip('no /proc/self/status on this system');
    assert.equal(read.size, 0);
    assert.match(read.text, /^Name:/);
    const cut = readRegularText('/proc/self/status', { maxBytes: 10, overLimit: 'truncate' });
    assert.ok(cut.ok && cut.truncated && cut.text.length === 10);
  });

  it('does not read a file again when its mtime and size are unchanged', () => {
    writeFileSync(join(dir, 'snap.json'), '{}');
    const first = readRegularFile(join(dir, 'snap.json'), { maxBytes: 100 });
    assert.ok(first.ok);
    const again = readRegularFile(join(dir, 'snap.json'), { maxBytes: 100, unlessUnchanged: first });
    assert.ok(again.ok && 'unchanged' in again);
    writeFileSync(join(dir, 'snap.json'), '{ }');
    const changed = readRegularFile(join(dir, 'snap.json'), { maxBytes: 100, unlessUnchanged: first });
    assert.ok(changed.ok && 'bytes' in changed && changed.bytes.toString() === '{ }');
  });
});

describe('special files in the CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nix-vfio-special-cli-'));
    mkfifo(join(dir, 'fifo'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('`check fifo` exits 2 with a clear message', async () => {
    const result = await cli(['check', 'fifo'], dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /FIFO \(named pipe\), not a regular file/);
  });

  it('`check /dev/zero` exits 2', async () => {
    const result = await cli(['check', '/dev/zero'], dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /character device, not a regular file/);
  });

  it('imports of a FIFO and of /dev/zero are unresolved imports, the rest is still checked', async () => {
    writeFileSync(
      join(dir, 'configuration.nix'),
      '{ ... }:\n{\n  imports = [ ./fifo /dev/zero ];\n  boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ];\n  boot.kernelModules = [ "vfio pci" ];\n}\n',
    );
    const result = await cli(['check', 'configuration.nix', '--format', 'json'], dir);
    const findings = JSON.parse(result.stdout) as { code: string; message: string; line: number }[];
    const unresolved = findings.filter((finding) => finding.code === 'import-unresolved');
    assert.equal(unresolved.length, 2, result.stdout);
    assert.ok(unresolved.some((finding) => /FIFO/.test(finding.message)));
    assert.ok(unresolved.some((finding) => /character device/.test(finding.message)));
    assert.ok(
      findings.some((finding) => finding.code === 'module-name-with-spaces'),
      'the rest of the file is checked',
    );
  });

  it('a FIFO or /dev/zero as --hardware or --from exits 2', async () => {
    writeFileSync(join(dir, 'empty.nix'), '{ }\n');
    for (const argv of [
      ['check', 'empty.nix', '--hardware', 'fifo'],
      ['check', 'empty.nix', '--hardware', '/dev/zero'],
      ['scan', '--from', 'fifo'],
      ['groups', '--from', '/dev/zero'],
    ]) {
      const result = await cli(argv, dir);
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /not a regular file/, argv.join(' '));
    }
  });

  it('`scan --root` with /proc/cpuinfo, a vendor file or pci.ids as /dev/zero or a FIFO finishes with warnings', async () => {
    for (const special of ['fifo', '/dev/zero']) {
      const root = writeSysfsTree(loadMachine('amd-desktop'));
      try {
        const plant = (path: string) => {
          rmSync(path, { force: true });
          if (special === 'fifo') mkfifo(path);
          else symlinkSync('/dev/zero', path);
        };
        plant(join(root, 'proc/cpuinfo'));
        plant(join(root, 'proc/cmdline'));
        const firstDevice = join(root, 'sys/devices/pci0000:00', loadMachine('amd-desktop').devices[0]!.address);
        plant(join(firstDevice, 'vendor'));
        mkdirSync(join(root, 'usr/share/misc'), { recursive: true });
        plant(join(root, 'usr/share/misc/pci.ids'));
        const result = await cli(['scan', '--root', root, '--output', join(root, 'out.json')], dir);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /proc\/cpuinfo is not read: it is a (FIFO|character device)/);
        assert.match(result.stderr, /: vendor cannot be read \(it is a (FIFO|character device)/);
        assert.match(result.stderr, /pci\.ids is not read for device names: it is a (FIFO|character device)/);
        assert.match(result.stderr, /wrote .*out\.json: 5 devices/, 'the device whose vendor is refused is skipped, the others are kept');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});

describe('special files in the server', { timeout: 30_000 }, () => {
  it('publishes import-unresolved for imports of a FIFO and /dev/zero, and a FIFO snapshot setting does not block it', { timeout: HANG_GUARD_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-special-lsp-'));
    mkfifo(join(dir, 'fifo'));
    mkfifo(join(dir, 'snapshot.json'));
    const session = await startLspSession(dir, { hardware: { snapshotFile: join(dir, 'snapshot.json') } });
    try {
      const text = '{ ... }:\n{\n  imports = [ ./fifo /dev/zero ];\n  boot.kernelModules = [ "vfio pci" ];\n}\n';
      writeFileSync(join(dir, 'configuration.nix'), text);
      const uri = openDocument(session, join(dir, 'configuration.nix'), text);
      const published = await session.diagnostics(uri, (params) => params.diagnostics.some((diagnostic) => diagnostic.code === 'import-unresolved'));
      const messages = published.diagnostics.filter((diagnostic) => diagnostic.code === 'import-unresolved').map((diagnostic) => diagnostic.message);
      assert.equal(messages.length, 2);
      assert.ok(messages.some((message) => /FIFO/.test(message)));
      assert.ok(messages.some((message) => /character device/.test(message)));
      assert.ok(published.diagnostics.some((diagnostic) => diagnostic.code === 'module-name-with-spaces'));
      const hover = await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 10 } });
      assert.ok(hover === null || typeof hover === 'object', 'the server still answers requests');
    } finally {
      await session.stop();
      unlinkSync(join(dir, 'fifo'));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
