// Nix VFIO in Neovim's built-in LSP client, headless, configured by the README's own Neovim block
// (extracted from README.md, so the documented configuration is the tested one): the guide example
// shows its findings, and a quick fix applies and clears its finding. Needs Debian's `neovim`
// (.ci/run installs it); without `nvim` the test says it skipped.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './helpers';

/** The Lua block under "### Neovim" in README.md. */
function readmeNeovimConfig(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Neovim'));
  const match = /```lua\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'README.md has a Lua block under "### Neovim"');
  return match[1]!;
}

const hasNeovim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;

describe('Neovim (headless) with the README configuration', { timeout: 180_000 }, () => {
  it(
    'opens the guide example, sees the findings, and applies a quick fix',
    { skip: hasNeovim ? false : 'nvim is not installed (apt-get install neovim; .ci/run does)' },
    async () => {
      const temp = mkdtempSync(join(tmpdir(), 'nix-vfio-nvim-'));
      try {
        const workspace = join(temp, 'workspace');
        cpSync(join(REPO_ROOT, 'examples', 'guide-desktop'), workspace, { recursive: true });
        // `nix-vfio-server` on PATH as npm links the package's bin entry.
        const bin = join(temp, 'bin');
        mkdirSync(bin);
        symlinkSync(join(REPO_ROOT, 'dist', 'server.js'), join(bin, 'nix-vfio-server'));
        writeFileSync(join(temp, 'init.lua'), readmeNeovimConfig());
        const result = join(temp, 'result.json');
        const child = spawn(
          'nvim',
          ['--headless', '-n', '-i', 'NONE', '-u', join(temp, 'init.lua'), '-c', `luafile ${join(REPO_ROOT, 'test', 'neovim', 'session.lua')}`],
          {
            cwd: workspace,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: {
              ...process.env,
              PATH: `${bin}:${process.env.PATH}`,
              HOME: temp,
              XDG_CONFIG_HOME: join(temp, 'config'),
              XDG_DATA_HOME: join(temp, 'data'),
              XDG_STATE_HOME: join(temp, 'state'),
              XDG_CACHE_HOME: join(temp, 'cache'),
              NIX_VFIO_RESULT: result,
            },
          },
        );
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        assert.equal(code, 0, output);
        const seen = JSON.parse(readFileSync(result, 'utf8')) as {
          steps: string[];
          before?: string[];
          after?: string[];
          fix?: string;
          hover?: string;
          error?: string;
        };
        assert.equal(seen.error, undefined, `${seen.error}\n${output}`);
        assert.deepEqual(seen.steps, ['opened nix', 'findings', 'fixed']);
        assert.ok(seen.before?.includes('iommu-param-wrong-vendor'), String(seen.before));
        assert.ok(seen.before?.includes('intel-iommu-missing'), String(seen.before));
        assert.match(seen.fix ?? '', /Replace "amd_iommu=on" with "intel_iommu=on"/);
        assert.ok(!seen.after?.includes('iommu-param-wrong-vendor'), String(seen.after));
        assert.ok(!seen.after?.includes('intel-iommu-missing'), 'intel_iommu=on is there now');
        const saved = readFileSync(join(workspace, 'configuration.nix'), 'utf8');
        assert.match(saved, /"intel_iommu=on"/);
        assert.doesNotMatch(saved, /amd_iommu=on/);
        // The hover starts with the device.
        const hover = (seen.hover ?? '').replace(/\\([!-/:-@[-`{-~])/g, '$1');
        assert.match(hover, /^\*\*0f:00\.0 NVIDIA GM204 \[GeForce GTX 980\]/, hover);
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
    },
  );
});
