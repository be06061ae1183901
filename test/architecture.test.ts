// Invariants of the code base (docs/architecture.md): the core imports no LSP or editor code,
// rules do no I/O, and the settings' defaults in package.json match the server's.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import {
  CLIENT_SETTING_KEYS,
  DEFAULT_SERVER_SETTINGS,
  LOG_LEVELS,
  readServerSettings,
  SERVER_SETTING_KEYS,
  ServerSettings,
  SettingKey,
  settingsForTrust,
} from '../server/src/lsp/settings';
import { REPO_ROOT } from './helpers';
import { reachable } from './importGraph';

const SERVER_SRC = join(REPO_ROOT, 'server', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
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

  it('rules, fixes and the VFIO layer do no I/O, through anything they import', () => {
    const entries = ['rules', 'fixes', 'vfio'].flatMap((dir) => sourceFiles(join(SERVER_SRC, dir)));
    const { files, packages } = reachable(entries);
    assert.ok(files.size > entries.length, 'the graph follows imports');
    for (const [name, loader] of packages) {
      assert.ok(
        !/^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|worker_threads|os|process)$/.test(name),
        `${relative(REPO_ROOT, loader)} loads ${name}, reached via ${files
          .get(loader)!
          .map((file) => relative(REPO_ROOT, file))
          .join(' → ')}`,
      );
      assert.ok(!/^vscode/.test(name), `${relative(REPO_ROOT, loader)} loads ${name}`);
    }
    for (const file of files.keys())
      assert.ok(
        !/(regularFile|loadFiles|scanSysfs|pciIds)\.ts$/.test(file),
        `reaches ${relative(REPO_ROOT, file)} (reads files): ${files
          .get(file)!
          .map((path) => relative(REPO_ROOT, path))
          .join(' → ')}`,
      );
  });

  it('the client loads nothing from the server but the shared protocol (shared/), through anything it imports', () => {
    const entries = sourceFiles(join(REPO_ROOT, 'client', 'src'));
    const { files } = reachable(entries);
    const outside = [...files.keys()].filter((file) => !file.startsWith(join(REPO_ROOT, 'client', 'src')) && !file.startsWith(join(REPO_ROOT, 'shared')));
    assert.deepEqual(
      outside.map((file) =>
        files
          .get(file)!
          .map((path) => relative(REPO_ROOT, path))
          .join(' → '),
      ),
      [],
    );
    assert.ok(
      [...files.keys()].some((file) => file.endsWith(join('shared', 'protocol.ts'))),
      'the client uses the protocol module',
    );
  });

  it('the shared protocol imports nothing at run time but its own files', () => {
    const { files, packages } = reachable(sourceFiles(join(REPO_ROOT, 'shared')));
    assert.deepEqual([...packages.keys()], []);
    for (const file of files.keys()) assert.ok(file.startsWith(join(REPO_ROOT, 'shared')), relative(REPO_ROOT, file));
  });

  it('the VFIO layer (server/src/vfio) reads the model and hardware, never rules, fixes, the editor or front ends', () => {
    const files = sourceFiles(join(SERVER_SRC, 'vfio'));
    assert.ok(files.length > 5);
    for (const file of files) {
      for (const target of imports(file))
        assert.ok(!/^\.\.\/(rules|fixes|editor|analysis|lsp|cli)\//.test(target), `${relative(REPO_ROOT, file)} imports ${target}`);
    }
  });

  it('no source file is over 600 lines (split rather than grow)', () => {
    const all = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return name === 'fixtures' || name === 'node_modules' ? [] : all(path);
        return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
      });
    const files = ['server/src', 'client/src', 'shared', 'test', 'scripts', 'e2e'].flatMap((dir) => all(join(REPO_ROOT, dir)));
    assert.ok(files.length > 100);
    const long = files
      .map((file) => ({ file: relative(REPO_ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter((entry) => entry.lines > 601);
    assert.deepEqual(long, []);
  });

  it('tests run nix-instantiate only through test/nixInstantiate.ts (one policy for a missing program)', () => {
    const runsIt = sourceFiles(join(REPO_ROOT, 'test'))
      .filter((file) => !file.endsWith('nixInstantiate.ts'))
      .filter((file) => /\b(?:execFileSync|execFile|spawnSync|spawn|exec|execSync)\(\s*['"`]nix-instantiate['"`]/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(REPO_ROOT, file));
    assert.deepEqual(runsIt, []);
  });

  it('the extension runs where the workspace is, so with VS Code Remote it scans the remote host', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(manifest.extensionKind, ['workspace']);
  });

  it('package.json declares every setting once, with the server defaults, and machine scope where a file or the machine is read', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const properties: Record<string, { default: unknown; scope?: string; type: string; pattern?: string; enum?: string[] }> =
      manifest.contributes.configuration.properties;
    const serverKeys = Object.values(SERVER_SETTING_KEYS).map((entry) => entry.key);
    assert.deepEqual(Object.keys(properties).sort(), [...serverKeys, ...CLIENT_SETTING_KEYS].sort(), 'package.json and settings.ts list the same settings');
    assert.deepEqual(Object.keys(SERVER_SETTING_KEYS).sort(), Object.keys(DEFAULT_SERVER_SETTINGS).sort());
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.deepEqual(
      [...restricted].sort(),
      Object.values(SERVER_SETTING_KEYS)
        .filter((entry) => entry.restricted)
        .map((entry) => entry.key)
        .sort(),
      'package.json restricts exactly the settings the server ignores when untrusted',
    );
    for (const [field, { key, machineScoped, restricted: isRestricted }] of Object.entries(SERVER_SETTING_KEYS) as [keyof ServerSettings, SettingKey][]) {
      const property = properties[key];
      assert.ok(property, `${key} is declared in package.json`);
      assert.deepEqual(property.default, DEFAULT_SERVER_SETTINGS[field], `${key} default`);
      assert.equal(property.type, Array.isArray(property.default) ? 'array' : typeof property.default, `${key} type`);
      if (machineScoped) assert.equal(property.scope, 'machine', `${key}: a workspace must not choose it`);
      if (machineScoped) assert.ok(isRestricted, `${key} is restricted in untrusted workspaces`);
      // The server reads the key package.json declares: a changed value comes through.
      const value =
        property.type === 'boolean'
          ? !property.default
          : property.type === 'array'
            ? ['some-rule']
            : property.enum
              ? property.enum.find((choice) => choice !== property.default)
              : property.pattern
                ? '24.05'
                : '/etc/nix-vfio/hardware.json';
      assert.notDeepEqual(value, property.default);
      assert.deepEqual(readServerSettings(nestedSection(key, value))[field], value, `${key} is read by the server`);
      // Untrusted, a restricted setting keeps its default whatever the workspace says.
      assert.deepEqual(
        settingsForTrust(readServerSettings(nestedSection(key, value)), false)[field],
        isRestricted ? property.default : value,
        `${key} when untrusted`,
      );
    }
    assert.deepEqual(readServerSettings(nestedSection('nixVfio.unknown', 1)), DEFAULT_SERVER_SETTINGS);
    assert.deepEqual(properties['nixVfio.log.level']?.enum, [...LOG_LEVELS], 'the log levels the server knows are the ones offered');
  });
});

/** The `nixVfio` section as workspace/configuration returns it, with one dotted key set. */
function nestedSection(key: string, value: unknown): Record<string, unknown> {
  const section: Record<string, unknown> = {};
  const names = key.split('.').slice(1);
  let target = section;
  for (const name of names.slice(0, -1)) target = (target[name] ??= {}) as Record<string, unknown>;
  target[names[names.length - 1]!] = value;
  return section;
}
