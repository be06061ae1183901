// The IOMMU Groups view: the hardware of the configuration in the active editor, group by
// group, with each device's name, class, driver and whether the group is isolated.
import { Event, EventEmitter, ThemeIcon, TreeDataProvider, TreeItem, TreeItemCollapsibleState, window } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Device, deviceDescription, groupDescription, isBridge, isDisplay } from './groups';

export type { Device } from './groups';

interface HardwareResponse {
  snapshot?: { devices: Device[] };
  groups: { group: number; devices: string[]; isolated: boolean }[];
  noGroupsReason?: string;
}

export type IommuNode = { kind: 'group'; group: number; devices: Device[]; isolated: boolean } | { kind: 'device'; device: Device } | { kind: 'message'; text: string };

export class IommuGroupsView implements TreeDataProvider<IommuNode> {
  private readonly changed = new EventEmitter<IommuNode | undefined>();
  readonly onDidChangeTreeData: Event<IommuNode | undefined> = this.changed.event;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: IommuNode): TreeItem {
    if (node.kind === 'message') return new TreeItem(node.text);
    if (node.kind === 'group') {
      const { isolated } = node;
      const item = new TreeItem(`Group ${node.group}`, TreeItemCollapsibleState.Collapsed);
      const gpu = node.devices.find(isDisplay);
      item.description = groupDescription(node.devices, isolated);
      item.contextValue = 'iommuGroup';
      item.iconPath = new ThemeIcon(isolated ? 'pass' : 'warning');
      if (gpu) item.collapsibleState = TreeItemCollapsibleState.Expanded;
      return item;
    }
    const { device } = node;
    const item = new TreeItem(`${device.address.replace(/^0000:/, '')} ${device.deviceName ?? `${device.vendor}:${device.device}`}`);
    item.description = deviceDescription(device);
    item.tooltip = device.vendorName;
    item.iconPath = new ThemeIcon(isDisplay(device) ? 'device-desktop' : isBridge(device) ? 'git-merge' : 'circuit-board');
    item.contextValue = 'iommuDevice';
    return item;
  }

  async getChildren(node?: IommuNode): Promise<IommuNode[]> {
    if (node?.kind === 'group') return node.devices.map((device) => ({ kind: 'device', device }));
    if (node) return [];
    const client = this.client();
    // The active Nix editor; with the walkthrough in front, a Nix editor beside it.
    const editor = [window.activeTextEditor, ...window.visibleTextEditors].find((candidate) => candidate?.document.languageId === 'nix');
    if (!client || !editor) return [{ kind: 'message', text: 'Open a NixOS configuration (.nix) to see its hardware.' }];
    const response = await client.sendRequest<HardwareResponse>('nixVfio/hardware', { uri: editor.document.uri.toString() });
    if (!response.snapshot) return [{ kind: 'message', text: 'No hardware snapshot for this configuration.' }];
    if (response.groups.length === 0) return [{ kind: 'message', text: response.noGroupsReason ?? 'No IOMMU groups in this snapshot.' }];
    const byAddress = new Map(response.snapshot.devices.map((device) => [device.address, device]));
    return response.groups.map(({ group, devices, isolated }) => ({
      kind: 'group',
      group,
      isolated,
      devices: devices.map((address) => byAddress.get(address)).filter((device): device is Device => device !== undefined),
    }));
  }
}
