// The pre-commit hook (.pre-commit-hooks.yaml): its entry, run the way pre-commit runs it (the
// package's bin, the staged files matching `files` as arguments), in a test git repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, REPO_ROOT } from './helpers';

/** The fields of the one hook, read from the YAML (flat `key: value` lines). */
function hook(): Record<string, string> & { entry: string; files: string } {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8').split('\n')) {
    const match = /^(?:- | {2})([a-z_]+): (.*)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  const { entry, files } = fields;
  assert.ok(entry !== undefined && files !== undefined, 'the hook has an entry and files');
  return { ...fields, entry, files };
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' },
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('pre-commit hook', () => {
  const fields = hook();

  it('is a node hook whose entry is the package bin, run on .nix files', () => {
    assert.equal(fields.id, 'nix-vfio');
    assert.equal(fields.language, 'node');
    assert.equal(fields.pass_filenames, 'true');
    const [bin, ...args] = fields.entry.split(' ');
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.ok(packageJson.bin[bin!], `package.json bin has ${bin}`);
    assert.deepEqual(args, ['check']);
    assert.ok(new RegExp(fields.files).test('modules/vfio.nix'));
    assert.ok(!new RegExp(fields.files).test('flake.lock'));
  });

  it('fails a commit that breaks a host and passes once it is fixed', () => {
    const repo = mkdtempSync(join(tmpdir(), 'nix-vfio-hook-'));
    scratch.push(repo);
    cpSync(join(FIXTURES, 'hosts', 'flake-two-hosts'), repo, { recursive: true });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    const [bin, ...args] = fields.entry.split(' ');
    const entry = join(REPO_ROOT, JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).bin[bin!]);
    const runHook = () => {
      const staged = git(repo, 'diff', '--cached', '--name-only')
        .split('\n')
        .filter((file) => file && new RegExp(fields.files).test(file));
      return { staged, result: spawnSync(process.execPath, [entry, ...args, ...staged], { cwd: repo, encoding: 'utf8' }) };
    };
    const first = runHook();
    assert.ok(first.staged.includes('modules/vfio.nix'));
    assert.equal(first.result.status, 1, first.result.stderr);
    assert.match(first.result.stdout, /^modules\/vfio\.nix:7:6: error vfio-device-not-present desk: /m);
    git(repo, 'commit', '-q', '--no-verify', '-m', 'two hosts');
    // The typo fixed: only that file is staged, and it is checked as part of desk.
    writeFileSync(join(repo, 'modules', 'vfio.nix'), readFileSync(join(repo, 'modules', 'vfio.nix'), 'utf8').replace('10de:0fbc', '10de:0fbb'));
    git(repo, 'add', 'modules/vfio.nix');
    const second = runHook();
    assert.deepEqual(second.staged, ['modules/vfio.nix']);
    assert.equal(second.result.status, 0, second.result.stdout + second.result.stderr);
    assert.equal(second.result.stdout, '');
  });
});
