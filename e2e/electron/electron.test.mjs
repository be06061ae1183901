// Extension-host tests in VS Code itself (@vscode/test-electron), for machines that have VS Code
// or can download it. VSCODE_EXECUTABLE names an installed VS Code; without it the test tries to
// download one, and where that is impossible (no network, as on this project's CI) the test is
// skipped and the runner reports it as skipped: the code-server test (e2e/workbench.test.mjs) is
// the editor-level test that always runs.
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

test('the extension publishes diagnostics for the guide example in VS Code (extension host)', { timeout: 600_000 }, async (t) => {
  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version: '1.100.3', timeout: 30_000 });
    } catch (error) {
      t.skip(`cannot download VS Code here (${(error instanceof Error ? error.message : String(error)).split('\n')[0]}); set VSCODE_EXECUTABLE to run it`);
      return;
    }
  }
  const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-electron-'));
  try {
    cpSync(join(root, 'examples/guide-desktop'), workspace, { recursive: true });
    // runTests rejects when the suite fails or VS Code exits with an error.
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'e2e/electron/suite.cjs'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});
