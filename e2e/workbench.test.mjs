// End-to-end in a real VS Code workbench: code-server (VS Code 1.100.3) in Debian's Chromium,
// driven by playwright-core. Installs the packaged .vsix, opens the bundled guide example with
// its hardware snapshot, and checks what a user sees: findings in the Problems panel, a quick fix
// from the light bulb written to disk, a hover on a PCI address and on an id (the device first), the
// walkthrough's "Show the IOMMU groups" with the walkthrough in front, the IOMMU Groups view in its
// own container, the topology picture (a click passes a group through, the summary offers Undo), and
// a walkthrough step's command editing the configuration and saying what it changed.
// Set up with scripts/e2e-setup.sh and `npm run package`; run with `npm run test:e2e`.
// Waits are for DOM states and process output; the few UI races get a bounded retry.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CODE_SERVER = join(ROOT, '.e2e/code-server/node_modules/.bin/code-server');
const VSIX = join(ROOT, 'nix-vfio.vsix');
const SHOTS = join(ROOT, 'test-results/e2e');
const ID_FILE = '{\n  boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0,10de:0fbb";\n}\n';
// A configuration that binds nothing yet: the topology picture offers to pass its groups through.
const FRESH_FILE = '{\n  boot.kernelParams = [ "intel_iommu=on" ];\n}\n';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `child` prints a line matching `pattern` (or rejects when it exits first). */
function waitForOutput(child, pattern, label) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk;
      if (pattern.test(seen)) {
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        resolve(seen);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before ready:\n${seen}`)));
  });
}

/**
 * Resolves when `path` changes on disk to text that satisfies `accept` (fs.watch, bounded by the test timeout).
 * @returns {Promise<void>}
 */
function fileChange(path, accept) {
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), () => {
      if (accept(readFileSync(path, 'utf8'))) {
        watcher.close();
        resolve();
      }
    });
  });
}

/** Retries `attempt` a bounded number of times: only for UI steps known to race (menus right after diagnostics). */
async function withRetries(times, attempt) {
  let last;
  for (let round = 0; round < times; round++) {
    try {
      return await attempt(round);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Opens a workspace file through Quick Open. Typing waits for the box (keys pressed before it shows
 * go to whatever had focus), and Enter waits until the top row is the file itself, not a recently
 * opened one such as hardware-configuration.nix.
 */
async function openFile(page, name) {
  const exactly = new RegExp(`^${escapeRegExp(name)}$`);
  await withRetries(3, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').pressSequentially(name);
    await page.locator('.quick-input-list .monaco-list-row').first().locator('.label-name', { hasText: exactly }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: new RegExp(`^${escapeRegExp(name)}`) }).waitFor({ timeout: 10_000 });
  });
}

/** Runs a command from the palette once its own row is the top one (not retried: it may edit). */
async function runCommand(page, title) {
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').pressSequentially(title);
  await page.locator('.quick-input-list .monaco-list-row').first().filter({ hasText: title }).waitFor();
  await page.keyboard.press('Enter');
}

/** The page inside the topology webview (VS Code nests it in two iframes). */
const topologyFrame = (page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

describe('Nix VFIO in a real VS Code workbench', { timeout: 300_000 }, () => {
  let temp;
  let server;
  let browser;
  let page;
  let workspace;
  let step = 0;
  const shot = async (name) => page.screenshot({ path: join(SHOTS, `${String(++step).padStart(2, '0')}-${name}.png`) });

  before(async () => {
    assert.ok(existsSync(CODE_SERVER), 'code-server is installed (bash scripts/e2e-setup.sh)');
    assert.ok(existsSync(VSIX), 'the extension is packaged (npm run package)');
    mkdirSync(SHOTS, { recursive: true });
    temp = mkdtempSync(join(tmpdir(), 'nix-vfio-e2e-'));
    const dirs = { data: join(temp, 'data'), extensions: join(temp, 'extensions'), config: join(temp, 'config.yaml') };
    mkdirSync(join(dirs.data, 'User'), { recursive: true });
    // A quiet workbench: no trust prompt, no welcome page; hardware only from the example's snapshot file.
    writeFileSync(
      join(dirs.data, 'User', 'settings.json'),
      JSON.stringify({
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'nixVfio.hardware.scanMachine': false,
        'editor.hover.delay': 100,
      }),
    );
    writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
    const common = ['--user-data-dir', dirs.data, '--extensions-dir', dirs.extensions, '--config', dirs.config];
    const install = spawnSync(CODE_SERVER, [...common, '--install-extension', VSIX], { encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    workspace = join(temp, 'workspace');
    cpSync(join(ROOT, 'examples/guide-desktop'), workspace, { recursive: true });
    // The guide binds its card by address; ids, as most single-GPU guides bind, get a file of their own.
    writeFileSync(join(workspace, 'gpu-ids.nix'), ID_FILE);
    writeFileSync(join(workspace, 'fresh-host.nix'), FRESH_FILE);
    const port = await freePort();
    server = spawn(CODE_SERVER, [...common, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--bind-addr', `127.0.0.1:${port}`, workspace], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: temp },
    });
    await waitForOutput(server, /HTTP server listening/, 'code-server');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS.filter((flag) => flag !== '--headless'), headless: true });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await shot('workbench');
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('the walkthrough\'s "Show the IOMMU groups" shows the groups while the walkthrough is in front', async () => {
    // Nothing is open yet: the walkthrough is the only tab, as for a first-time user.
    await runCommand(page, 'Welcome: Open Walkthrough');
    // The walkthrough picker replaces the command palette: type once its input is the new, empty one.
    await page.waitForFunction(() => {
      const input = /** @type {HTMLInputElement | null} */ (document.querySelector('.quick-input-widget input'));
      return input && input.value === '' && document.querySelectorAll('.quick-input-list .monaco-list-row').length > 0;
    });
    await shot('walkthrough-picker');
    await page.locator('.quick-input-widget input').pressSequentially('GPU passthrough');
    await page.locator('.quick-input-list .monaco-list-row').first().filter({ hasText: 'GPU passthrough on NixOS' }).waitFor();
    await page.keyboard.press('Enter');
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough.getByText('Check the IOMMU groups', { exact: true }).click();
    await walkthrough
      .locator('button, a')
      .filter({ hasText: /^Show the IOMMU groups$/ })
      .first()
      .click();
    await page.locator('.sidebar .title-label', { hasText: /Nix VFIO/i }).waitFor({ timeout: 60_000 });
    const view = page.locator('.sidebar .pane-body');
    await view.getByText('Group 0', { exact: true }).waitFor({ timeout: 60_000 });
    // Every group row names its devices; the walkthrough is still the editor in front.
    await view
      .getByText(/isolated · 1 device · C610\/X99 series chipset USB xHCI Host Controller/)
      .first()
      .waitFor();
    await page.locator('.tab.active', { hasText: /Walkthrough|Welcome|GPU passthrough/ }).waitFor();
    await shot('walkthrough-groups');
  });

  it('shows the findings of the example in the Problems panel', async () => {
    await openFile(page, 'configuration.nix');
    await page.keyboard.press('Control+Shift+M');
    const problems = page.locator('.markers-panel');
    await problems.getByText(/boot\.kernelParams has no "intel_iommu=on"/).waitFor({ timeout: 60_000 });
    await problems.getByText(/"amd_iommu=on" is for AMD CPUs/).waitFor();
    await shot('problems');
  });

  it('applies a quick fix from the light bulb, and the saved file has it', async () => {
    await withRetries(3, async () => {
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.keyboard.type('10:6');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+.');
      const item = page.locator('.action-widget, .context-view').getByText('Replace "amd_iommu=on" with "intel_iommu=on"');
      try {
        await item.waitFor({ timeout: 5_000 });
      } catch (error) {
        await page.keyboard.press('Escape');
        throw error;
      }
      await shot('quick-fix-menu');
      // Keyboard, as the menu blocks the pointer for a moment after it opens.
      for (let row = 0; row < 10; row++) {
        const focused = page.locator('.action-widget .monaco-list-row.focused');
        if ((await focused.textContent())?.includes('Replace "amd_iommu=on"')) break;
        await page.keyboard.press('ArrowDown');
      }
      await page.keyboard.press('Enter');
    });
    // The edit shows in the editor; saving writes it to disk.
    await page.locator('.monaco-editor .view-lines').getByText('"intel_iommu=on"').waitFor();
    const file = join(workspace, 'configuration.nix');
    const written = fileChange(file, (text) => text.includes('"intel_iommu=on"'));
    await page.keyboard.press('Control+S');
    await written;
    assert.match(readFileSync(file, 'utf8'), /"intel_iommu=on"/);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /amd_iommu=on/);
    const problems = page.locator('.markers-panel');
    await problems.getByText(/is for AMD CPUs/).waitFor({ state: 'detached' });
    await problems.getByText(/has no "intel_iommu=on"/).waitFor({ state: 'detached' });
    await shot('fixed');
  });

  it('shows the device behind a PCI address on hover', async () => {
    const text = readFileSync(join(workspace, 'configuration.nix'), 'utf8').split('\n');
    const line = text.findIndex((content) => content.includes('DEVS="0000:0f:00.0')) + 1;
    const column = (text[line - 1] ?? assert.fail('the DEVS line is in configuration.nix')).indexOf('0000:0f:00.0') + 3;
    await withRetries(3, async () => {
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      await page
        .locator('.monaco-hover')
        .getByText(/GM204 \[GeForce GTX 980\]/)
        .first()
        .waitFor({ timeout: 10_000 });
    });
    await shot('hover');
  });

  it('shows the device behind a vendor:device id on hover', async () => {
    await openFile(page, 'gpu-ids.nix');
    // Inside the audio function's id, on line 2 (columns are 1-based).
    const column = (ID_FILE.split('\n')[1] ?? '').indexOf('10de:0fbb') + 3;
    await withRetries(3, async () => {
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.keyboard.type(`2:${column}`);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      // The findings on the id show in the same hover and name the device too: wait for what only
      // Nix VFIO's hover says (the driver each matching device has now).
      await page
        .locator('.monaco-hover')
        .getByText(/driver now: snd_hda_intel/)
        .first()
        .waitFor({ timeout: 10_000 });
    });
    await shot('hover-id');
    // Nix VFIO's part of the hover starts with the device (VS Code itself puts the findings'
    // part above every extension's hover: its marker participant has the first hover ordinal).
    const part = (
      await page
        .locator('.monaco-hover .hover-row', { hasText: /driver now: snd_hda_intel/ })
        .first()
        .innerText()
    ).trim();
    assert.match(part, /^0[ef]:00\.1 NVIDIA GM204 High Definition Audio Controller \[10de:0fbb\]/, part);
    assert.match(part, /vfio-pci id 10de:0fbb$/, part);
  });

  it('lists the snapshot IOMMU groups in the IOMMU Groups view, in its own activity-bar container', async () => {
    await page.keyboard.press('Escape');
    await openFile(page, 'configuration.nix');
    // Its own container in the activity bar (open already when the walkthrough showed it; a click would close it).
    const container = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Nix VFIO"]') });
    if (!(await container.getAttribute('class'))?.includes('checked')) await container.locator('a').click();
    // The container's only view: VS Code shows the container's title, not the view's header.
    await page.locator('.sidebar .title-label', { hasText: /Nix VFIO/i }).waitFor();
    const view = page.locator('.sidebar .pane-body');
    await view.getByText('Group 0', { exact: true }).waitFor({ timeout: 30_000 });
    await shot('iommu-groups');
    // The list renders only the rows in sight: go to its end for the GPUs' groups.
    await view.getByText('Group 0', { exact: true }).click();
    await page.keyboard.press('End');
    await view.getByText('Group 33', { exact: true }).waitFor();
    await view
      .getByText(/isolated · 2 devices · GM204 \[GeForce GTX 980\], GM204 High Definition Audio Controller/)
      .first()
      .waitFor();
    await shot('iommu-groups-end');
  });

  it('draws the topology, and a click on a group passes it through with a summary and Undo', async () => {
    await openFile(page, 'fresh-host.nix');
    await runCommand(page, 'Nix VFIO: Show the IOMMU topology');
    const frame = topologyFrame(page);
    const box = frame.locator('section[data-group="33"]');
    await box.waitFor({ timeout: 30_000 });
    await frame.locator('section.state-boot-vga[data-group="32"]').waitFor();
    await shot('topology');
    await box.locator('button.pass').click();
    const toast = page.locator('.notifications-toasts .notification-toast', {
      hasText: /Passed 0f:00\.0 GM204 \[GeForce GTX 980\] through\. Changed fresh-host\.nix line/,
    });
    await toast.waitFor({ timeout: 30_000 });
    await shot('topology-passed-through');
    const editorText = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editorText
      .getByText(/vfio_pci/)
      .first()
      .waitFor();
    // Undo puts the file back as it was.
    await toast.getByRole('button', { name: 'Undo' }).click();
    await page.locator('.notifications-toasts').getByText('Undone: the configuration is as it was.').waitFor();
    await editorText
      .getByText(/vfio_pci/)
      .first()
      .waitFor({ state: 'detached' });
    await shot('topology-undone');
  });

  it('the walkthrough step "Set up libvirt" writes virt-manager into the configuration', async () => {
    await openFile(page, 'configuration.nix');
    const file = join(workspace, 'configuration.nix');
    // VS Code saves what a language server's workspace edit changes; save again in case it did not.
    const written = fileChange(file, (text) => text.includes('programs.virt-manager.enable = true;'));
    await runCommand(page, 'Nix VFIO: Set up libvirt and virt-manager');
    // What changed, where; no note about the libvirtd group, which the example already gives alice.
    const toast = page.locator('.notifications-toasts').getByText(/Set up libvirt\. Changed configuration\.nix line/);
    await toast.waitFor();
    assert.doesNotMatch(await toast.innerText(), /libvirtd" group/);
    await page.keyboard.press('Control+S');
    await written;
    await page.keyboard.press('Control+End');
    await page.locator('.monaco-editor .view-lines').getByText('programs.virt-manager.enable = true;').waitFor();
    await shot('libvirt-step');
    assert.equal(readFileSync(file, 'utf8').match(/virtualisation\.libvirtd\.enable = true;/g)?.length, 1, 'libvirtd, already enabled, is not added again');
  });
});
