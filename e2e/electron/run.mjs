// Extension-host tests in VS Code itself (@vscode/test-electron), for machines that have VS Code
// or can download it. VSCODE_EXECUTABLE names an installed VS Code; without it the runner tries to
// download one, and where that is impossible (no network, as on this project's CI) it says so and
// exits 0: the code-server test (e2e/workbench.test.mjs) is the editor-level test that always runs.
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (!vscodeExecutablePath) {
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: '1.100.3', timeout: 30_000 });
  } catch (error) {
    console.log(`skipped: cannot download VS Code here (${error.message.split('\n')[0]}); set VSCODE_EXECUTABLE to run these tests`);
    process.exit(0);
  }
}
const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-electron-'));
cpSync(join(root, 'examples/guide-desktop'), workspace, { recursive: true });
await runTests({
  vscodeExecutablePath,
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'e2e/electron/suite.cjs'),
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
});
