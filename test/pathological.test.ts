// Valid but pathological configurations finish: a select chain of 100,000 names is refused before
// tree-sitter's lexer spends minutes on it (file-too-complex, never a false syntax error), and
// 5,000 specialisations each setting kernel parameters are checked with their findings. Timing is
// for `npm run bench`; here a generous hang guard fails a test that does not finish.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeConfiguration } from '../server/src/analysis/analyze';
import { ParsedSource } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { PARSE_WORK_LIMIT, parseWork, ParseTooComplex } from '../server/src/parse/nixParser';
import { REPO_ROOT, sharedParser } from './helpers';
import { manySpecialisations, selectChain } from './pathologicalInputs';

const HANG_GUARD_MS = 60_000;

function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), ...argv],
      { cwd, timeout: HANG_GUARD_MS, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error.killed || error.signal)) return reject(new Error(`nix-vfio ${argv.join(' ')} did not finish within ${HANG_GUARD_MS} ms`));
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('parse work estimate', () => {
  it('is small for real configurations and grows with runs of names and dots', () => {
    assert.equal(parseWork('{ boot.kernelPackages = pkgs.linuxKernel.packages.linux_6_6; }').work, 0);
    const chain = parseWork(`x${'.a'.repeat(5_000)}`);
    assert.equal(chain.longestRun, 10_001);
    assert.ok(chain.work > PARSE_WORK_LIMIT);
    // Spaces end a run: the same names written `x . a . a` cost nothing.
    assert.equal(parseWork(`x${' . a'.repeat(5_000)}`).work, 0);
    // A long name without separators (a hash) is one token: no work.
    assert.equal(parseWork(`"${'0123456789abcdef'.repeat(1_000)}"`).work, 0);
  });

  it('refuses a 100,000-name select chain before parsing, as ParseTooComplex', async () => {
    const parser = await sharedParser();
    assert.throws(
      () => parser.parse(selectChain(100_000)),
      (error: unknown) => error instanceof ParseTooComplex && /200,0\d\d characters/.test(error.reason),
    );
    // The parser still parses the next text from its start.
    const tree = parser.parse('{ a = 1; }');
    assert.equal(tree.rootNode.hasError, false);
    tree.delete();
  });
});

describe('pathological configurations in the core', () => {
  it('a too-complex root is one file-too-complex info finding, never a syntax error', async () => {
    const parser = await sharedParser();
    const text = selectChain(100_000);
    const analysis = analyzeConfiguration(
      '/c.nix',
      diskLoader(parser, (path) => (path === '/c.nix' ? { text } : undefined)),
      undefined,
    );
    assert.deepEqual(
      analysis.findings.map((finding) => [finding.code, finding.severity]),
      [['file-too-complex', 'info']],
    );
  });

  it('a script line of 300,000 characters: every rule runs (no stack overflow copying it), and the driver_override after it is read', async () => {
    const parser = await sharedParser();
    const text = `{ ... }:\n{\n  boot.initrd.preDeviceCommands = ''\n    # ${'x'.repeat(300_000)}\n    echo vfio-pci > /sys/bus/pci/devices/0f:00.0/driver_override\n  '';\n}\n`;
    const analysis = analyzeConfiguration(
      '/c.nix',
      diskLoader(parser, (path) => (path === '/c.nix' ? { text } : undefined)),
      undefined,
    );
    assert.deepEqual(analysis.ruleFailures, []);
    // The short address after the long line is found at its place: offsets survive the long line.
    const short = analysis.findings.find((finding) => finding.code === 'vfio-short-address');
    assert.ok(short, analysis.findings.map((finding) => finding.code).join(', '));
    assert.equal(text.slice(short.range.start, short.range.end), '0f:00.0');
  });

  it('a too-complex import is an unresolved import; the root is still checked', async () => {
    const parser = await sharedParser();
    const files: Record<string, string> = {
      '/c.nix': '{ ... }:\n{\n  imports = [ ./chain.nix ];\n  boot.kernelModules = [ "vfio pci" ];\n}\n',
      '/chain.nix': selectChain(100_000),
    };
    const loader = (path: string): ParsedSource | { error: string } => {
      const text = files[path];
      if (text === undefined) return { error: 'no such file' };
      return diskLoader(parser, () => ({ text }))(path);
    };
    const analysis = analyzeConfiguration('/c.nix', loader, undefined);
    const codes = analysis.findings.map((finding) => finding.code).sort();
    assert.ok(codes.includes('import-unresolved'), codes.join(' '));
    assert.ok(codes.includes('module-name-with-spaces'), codes.join(' '));
    assert.ok(!codes.includes('syntax-error'), codes.join(' '));
  });
});

describe('pathological configurations through the CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nix-vfio-pathological-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a select chain of 100,000 names finishes with file-too-complex (exit 0)', async () => {
    writeFileSync(join(dir, 'chain.nix'), selectChain(100_000));
    const result = await cli(['check', 'chain.nix'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^chain\.nix:1:1: info file-too-complex Nix VFIO does not check this file: it is too complex to parse quickly/);
  });

  it('5,000 specialisations each setting kernel parameters finish, with a finding in each', async () => {
    writeFileSync(join(dir, 'specs.nix'), manySpecialisations(5_000));
    const result = await cli(['check', 'specs.nix', '--format', 'json'], dir);
    assert.equal(result.code, 0, result.stderr);
    const findings = JSON.parse(result.stdout) as { code: string; line: number; fix?: string }[];
    const amd = findings.filter((finding) => finding.code === 'amd-iommu-on-invalid');
    assert.equal(amd.length, 5_000);
    assert.equal(new Set(amd.map((finding) => finding.line)).size, 5_000);
    assert.ok(
      amd.every((finding) => finding.fix === 'Remove "amd_iommu=on"'),
      'each keeps its fix',
    );
  });
});
