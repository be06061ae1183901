// The hardware of the configuration worked on, as the server answers `nixVfio/hardware`: shared by
// the IOMMU Groups view and the topology picture, fetched again when the configuration, its
// findings or the hardware change.
import { Uri } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { HARDWARE_REQUEST, HardwareResponse } from '../../shared/protocol';
import { BindingLine, Device } from './groups';

export interface GroupInfo {
  group: number;
  devices: Device[];
  isolated: boolean;
  /** Why "Pass through" refuses this group (the server's guard), when it does. */
  passThroughRefused?: string;
}

export type HardwareView =
  { kind: 'message'; text: string } | { kind: 'groups'; configuration: Uri; groups: GroupInfo[]; bindings: Record<string, BindingLine[]> };

/** Asks the server for the hardware of `configuration`, in the shape the view and the picture draw. */
export async function hardwareView(client: LanguageClient | undefined, configuration: Uri | undefined): Promise<HardwareView> {
  if (!client || !configuration) return { kind: 'message', text: 'Open a NixOS configuration (.nix) to see its hardware.' };
  const response = await client.sendRequest<HardwareResponse>(HARDWARE_REQUEST, { uri: configuration.toString() });
  if (!response.snapshot) return { kind: 'message', text: 'No hardware to check this configuration against (see the setting nixVfio.hardware.snapshotFile).' };
  if (response.groups.length === 0) return { kind: 'message', text: response.noGroupsReason ?? 'No IOMMU groups in this snapshot.' };
  const byAddress = new Map(response.snapshot.devices.map((device) => [device.address, device]));
  return {
    kind: 'groups',
    configuration,
    bindings: response.bindings ?? {},
    groups: response.groups.map(({ group, devices, isolated, passThroughRefused }) => ({
      group,
      isolated,
      ...(passThroughRefused ? { passThroughRefused } : {}),
      devices: devices.map((address) => byAddress.get(address)).filter((device): device is Device => device !== undefined),
    })),
  };
}
