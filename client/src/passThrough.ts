// The "Pass through a device" command: pick a device of this configuration's hardware, and let
// the server merge the complete VFIO setup for its IOMMU group into the configuration.
import { QuickPickItem, window } from 'vscode';
import { ExecuteCommandRequest, LanguageClient } from 'vscode-languageclient/node';
import { configurationUri } from './configuration';
import { Device } from './groups';

interface HardwareResponse {
  snapshot?: { devices: Device[] };
}

/** Without `address`, asks which device to pass through. */
export async function passThroughDevice(client: LanguageClient, address?: string): Promise<void> {
  const uri = (await configurationUri())?.toString();
  if (!uri) {
    void window.showWarningMessage('Open the NixOS configuration (a .nix file) to add passthrough to.');
    return;
  }
  const hardware = await client.sendRequest<HardwareResponse>('nixVfio/hardware', { uri });
  if (!hardware.snapshot) {
    void window.showWarningMessage('No hardware snapshot is known for this configuration (see the setting nixVfio.hardware.snapshotFile).');
    return;
  }
  // GPUs first: they are what people pass through; bridges never need to be.
  const devices = hardware.snapshot.devices
    .filter((device) => !device.class.startsWith('0604'))
    .sort((a, b) => Number(!a.class.startsWith('03')) - Number(!b.class.startsWith('03')) || a.address.localeCompare(b.address));
  const items: (QuickPickItem & { address: string })[] = devices.map((device) => ({
    label: `${device.address.replace(/^0000:/, '')} ${device.deviceName ?? `${device.vendor}:${device.device}`}`,
    description: `${device.vendorName ?? device.vendor} [${device.vendor}:${device.device}]`,
    detail: `IOMMU group ${device.iommuGroup ?? 'none'} · driver ${device.driver ?? 'none'}${device.bootVga ? ' · boot GPU' : ''}`,
    address: device.address,
  }));
  const picked = address ? items.find((item) => item.address === address) : await window.showQuickPick(items, { title: 'Pass through a device (its whole IOMMU group goes to the VM)', matchOnDescription: true });
  if (!picked) return;
  const result = (await client.sendRequest(ExecuteCommandRequest.type, {
    command: 'nixVfio.server.passThroughDevice',
    arguments: [{ uri, address: picked.address }],
  })) as { error?: string; notes?: string[] } | undefined;
  if (result?.error) void window.showWarningMessage(result.error);
  else if (result?.notes?.length) void window.showInformationMessage(result.notes.join(' '));
}

/** A walkthrough step the server writes into the active configuration ("iommu" or "libvirt"). */
export async function setUpStep(client: LanguageClient, step: 'iommu' | 'libvirt'): Promise<void> {
  const uri = (await configurationUri())?.toString();
  if (!uri) {
    void window.showWarningMessage('Open the NixOS configuration (a .nix file) first.');
    return;
  }
  const result = (await client.sendRequest(ExecuteCommandRequest.type, {
    command: 'nixVfio.server.setUpStep',
    arguments: [{ uri, step }],
  })) as { error?: string; notes?: string[] } | undefined;
  if (result?.error) void window.showWarningMessage(result.error);
  else if (result?.notes?.length) void window.showInformationMessage(result.notes.join(' '));
}
