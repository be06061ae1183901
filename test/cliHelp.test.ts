// `nix-vfio --version`, `nix-vfio --help` and `nix-vfio <command> --help`, in-process and through
// the bundled binary (which carries the version from package.json).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { REPO_ROOT } from './helpers';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd: REPO_ROOT });
  return { code, stdout, stderr };
}

const VERSION = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;

describe('nix-vfio --help and --version', () => {
  it('--version prints the package version, in-process and from dist/cli.js', async () => {
    assert.deepEqual(await run(['--version']), { code: 0, stdout: `nix-vfio ${VERSION}\n`, stderr: '' });
    const bundled = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), '--version'], { encoding: 'utf8' });
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.equal(bundled.stdout, `nix-vfio ${VERSION}\n`);
  });

  it('each command explains itself with --help (exit 0, nothing else run), and `help <command>` says the same', async () => {
    for (const command of ['check', 'scan', 'groups']) {
      const result = await run([command, '--help']);
      assert.equal(result.code, 0, command);
      assert.equal(result.stderr, '', command);
      assert.match(result.stdout, new RegExp(`^usage: nix-vfio ${command}`), command);
      assert.match(result.stdout, /--help {2,}show this help/, command);
      assert.deepEqual(await run(['help', command]), result, `help ${command}`);
      assert.deepEqual(await run([command, '-h']), result, `${command} -h`);
    }
    // Every option a command's usage line names is explained in its help.
    for (const command of ['check', 'scan', 'groups']) {
      const { stdout } = await run([command, '--help']);
      const [usage = '', ...rest] = stdout.split('\n');
      for (const option of usage.match(/--[a-z-]+/g) ?? [])
        assert.ok(
          rest.some((line) => line.trimStart().startsWith(option)),
          `${command} --help explains ${option}`,
        );
    }
  });

  it('--help with a file still only helps: `check x.nix --help` reads nothing', async () => {
    const result = await run(['check', '/no/such/file.nix', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: nix-vfio check/);
  });

  it('the top-level help lists every command with what it does', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['check', 'scan', 'groups']) assert.match(result.stdout, new RegExp(`^ {2}${command} `, 'm'));
    assert.match(result.stdout, /--version/);
  });
});
