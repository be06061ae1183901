// Invariants of the code base (docs/architecture.md): the core imports no LSP or editor code,
// rules do no I/O, every rule and fix file is registered, every rule is documented, and the
// settings' defaults in package.json match the server's.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { FIXES } from '../server/src/fixes/registry';
import { DEFAULT_SERVER_SETTINGS } from '../server/src/lsp/settings';
import { RULES } from '../server/src/rules/registry';
import { REPO_ROOT } from './helpers';

const SERVER_SRC = join(REPO_ROOT, 'server', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
}

describe('architecture invariants', () => {
  it('the analysis core never imports LSP or vscode', () => {
    const core = sourceFiles(SERVER_SRC).filter((file) => !/^(lsp|cli)\//.test(relative(SERVER_SRC, file)));
    assert.ok(core.length > 10);
    for (const file of core) {
      for (const target of imports(file)) {
        assert.ok(!/^vscode/.test(target), `${relative(REPO_ROOT, file)} imports ${target}`);
        assert.ok(!/\/(lsp|cli)\//.test(target) && !/^\.\.?\/(lsp|cli)\b/.test(target), `${relative(REPO_ROOT, file)} imports ${target}`);
      }
    }
  });

  it('the hardware module reads files and never runs a program (no shell, no lspci)', () => {
    const hardware = sourceFiles(join(SERVER_SRC, 'hardware'));
    assert.ok(hardware.length > 5);
    for (const file of hardware) {
      const text = readFileSync(file, 'utf8');
      for (const target of imports(file)) assert.ok(!/child_process|worker_threads/.test(target), `${relative(REPO_ROOT, file)} imports ${target}`);
      assert.ok(!/\brequire\(|\bimport\(/.test(text), `${relative(REPO_ROOT, file)} loads a module at run time`);
    }
  });

  it('rules and fixes do no I/O', () => {
    for (const dir of ['rules', 'fixes']) {
      for (const file of sourceFiles(join(SERVER_SRC, dir))) {
        for (const target of imports(file)) {
          assert.ok(!/^(node:)?(fs|child_process|net|http|https)$/.test(target), `${relative(REPO_ROOT, file)} imports ${target}`);
        }
      }
    }
  });

  it('every rule file is in the rule registry and documented in docs/rules.md', () => {
    const ruleFiles = readdirSync(join(SERVER_SRC, 'rules')).filter((name) => name.endsWith('.ts') && !['registry.ts', 'types.ts'].includes(name));
    assert.equal(RULES.length, ruleFiles.length, 'one registered rule per file in server/src/rules');
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'rules.md'), 'utf8');
    for (const rule of RULES) assert.ok(docs.includes(`### \`${rule.code}\``), `docs/rules.md documents ${rule.code}`);
    assert.equal(new Set(RULES.map((rule) => rule.code)).size, RULES.length, 'rule codes are unique');
  });

  it('every fix file is in the fix registry', () => {
    const fixFiles = readdirSync(join(SERVER_SRC, 'fixes')).filter((name) => name.endsWith('.ts') && !['registry.ts', 'types.ts', 'listEdits.ts', 'vfioTokens.ts'].includes(name));
    assert.equal(FIXES.length, fixFiles.length);
  });

  it('the extension runs where the workspace is, so with VS Code Remote it scans the remote host', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(manifest.extensionKind, ['workspace']);
  });

  it('package.json settings match the server defaults', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const properties = manifest.contributes.configuration.properties;
    assert.equal(properties['nixVfio.hardware.snapshotFile'].default, DEFAULT_SERVER_SETTINGS.hardwareSnapshotFile);
    assert.deepEqual(properties['nixVfio.rules.disabled'].default, DEFAULT_SERVER_SETTINGS.disabledRules);
    assert.equal(properties['nixVfio.nixosRelease'].default, DEFAULT_SERVER_SETTINGS.nixosRelease);
    assert.equal(properties['nixVfio.hardware.snapshotFile'].scope, 'machine', 'a workspace cannot choose which file is read');
    assert.equal(properties['nixVfio.hardware.scanMachine'].default, DEFAULT_SERVER_SETTINGS.scanMachine);
    // Every server setting is declared; the one more is the client's own log level.
    assert.equal(Object.keys(properties).length, Object.keys(DEFAULT_SERVER_SETTINGS).length + 1);
    assert.ok(properties['nixVfio.trace.server']);
  });
});
