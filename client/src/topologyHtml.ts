// The topology picture's page, without VS Code (tested by test/client.test.ts): IOMMU groups as
// boxes holding their devices, coloured by state. Strict CSP: no remote content, styles and the one
// script by nonce; every string from the snapshot or the configuration is escaped.
import { BindingLine, deviceName, driverText, groupDescription, GroupState, groupState, groupLead, isBridge } from './groups';
import type { GroupInfo } from './hardware';

export const STATE_LABELS: Record<GroupState, string> = {
  vfio: 'bound to vfio-pci',
  'boot-vga': 'boot GPU (the host’s screen)',
  host: 'used by the host',
  shared: 'shared with other devices',
  bridge: 'bridges only',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface TopologyInput {
  groups: readonly GroupInfo[];
  bindings: Readonly<Record<string, readonly BindingLine[]>>;
  /** The configuration's file name, for the heading. */
  configuration: string;
  nonce: string;
  /** The webview's own source (`webview.cspSource`); nothing else may load. */
  cspSource: string;
}

export function topologyHtml(input: TopologyInput): string {
  const { nonce } = input;
  const bound = (address: string) => (input.bindings[address]?.length ?? 0) > 0;
  const boxes = input.groups.map(({ group, devices, isolated, passThroughRefused }) => {
    const state = groupState(devices, isolated, (device) => bound(device.address));
    const lead = groupLead(devices);
    const rows = devices.map((device) => {
      const lines = input.bindings[device.address] ?? [];
      const jump =
        lines.length > 0
          ? `<button class="link" data-action="reveal" data-address="${escapeHtml(device.address)}" title="${escapeHtml(lines.map((line) => `line ${line.line + 1}: ${line.text}`).join('\n'))}">line ${lines[0]!.line + 1}</button>`
          : '';
      const marks = [device.bootVga ? 'boot GPU' : '', isBridge(device) ? 'bridge' : ''].filter(Boolean).join(' · ');
      return `<li class="device${isBridge(device) ? ' bridge' : ''}"><span class="address">${escapeHtml(device.address.replace(/^0000:/, ''))}</span> <span class="name">${escapeHtml(deviceName(device))}</span> <span class="facts">[${escapeHtml(`${device.vendor}:${device.device}`)}] · ${escapeHtml(driverText(device))}${marks ? ` · ${escapeHtml(marks)}` : ''}</span> ${jump}</li>`;
    });
    // The button writes the configuration: offered until the configuration binds every endpoint (whatever drives them now).
    const boundByConfiguration = devices.filter((device) => !isBridge(device)).every((device) => bound(device.address));
    const action =
      // Host and ISA bridges (class 06xx) are the chipset, never a VM's.
      lead && !lead.class.startsWith('06') && state !== 'bridge' && !boundByConfiguration
        ? passThroughRefused
          ? // The server's guard refuses it: say why instead of offering a button that fails.
            `<span class="refused" title="${escapeHtml(passThroughRefused)}">host needs it</span>`
          : `<button class="pass" data-action="passThrough" data-address="${escapeHtml(lead.address)}" title="Bind the whole group to vfio-pci in the configuration">Pass through</button>`
        : '';
    return `<section class="group state-${state}" data-group="${group}" aria-label="IOMMU group ${group}, ${escapeHtml(STATE_LABELS[state])}">
<header><span class="title">Group ${group}</span> <span class="state">${escapeHtml(STATE_LABELS[state])}</span> ${action}</header>
<div class="summary">${escapeHtml(groupDescription(devices, isolated))}</div>${passThroughRefused && !boundByConfiguration ? `\n<div class="refused">${escapeHtml(passThroughRefused)}</div>` : ''}
<ul>${rows.join('')}</ul>
</section>`;
  });
  const legend = (Object.keys(STATE_LABELS) as GroupState[])
    .map((state) => `<span class="key state-${state}">${escapeHtml(STATE_LABELS[state])}</span>`)
    .join(' ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${input.cspSource}; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>IOMMU topology</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px 12px; }
.legend { margin: 8px 0 12px; display: flex; flex-wrap: wrap; gap: 6px; }
.key { padding: 2px 8px; border-radius: 3px; border-left: 6px solid; }
.groups { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.group { border: 1px solid var(--vscode-panel-border, #888); border-left: 6px solid; border-radius: 4px; padding: 6px 8px; min-width: 260px; max-width: 460px; flex: 1 1 300px; background: var(--vscode-editorWidget-background); }
.group header { display: flex; gap: 8px; align-items: center; }
.group .title { font-weight: bold; }
.group .state { opacity: 0.8; flex: 1; }
.group .summary { opacity: 0.8; margin: 2px 0 4px; }
.group ul { margin: 0; padding-left: 0; list-style: none; }
.device { padding: 2px 0; }
.device.bridge { opacity: 0.65; }
.address { font-family: var(--vscode-editor-font-family); }
.refused { opacity: 0.8; font-style: italic; }
.facts { opacity: 0.8; }
button { font: inherit; cursor: pointer; }
button.pass { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 2px 8px; border-radius: 2px; }
button.pass:hover { background: var(--vscode-button-hoverBackground); }
button.link { color: var(--vscode-textLink-foreground); background: none; border: none; padding: 0; text-decoration: underline; }
.state-vfio { border-left-color: #3fb950; }
.state-boot-vga { border-left-color: #d29922; }
.state-host { border-left-color: #58a6ff; }
.state-shared { border-left-color: #f85149; }
.state-bridge { border-left-color: #8b949e; }
</style>
</head>
<body>
<h2>IOMMU groups of ${escapeHtml(input.configuration)}</h2>
<div class="legend">${legend}</div>
<div class="groups">${boxes.join('\n')}</div>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.addEventListener('click', (event) => {
  const target = event.target.closest('[data-action]');
  if (target) vscode.postMessage({ action: target.dataset.action, address: target.dataset.address });
});
</script>
</body>
</html>`;
}
