// The IOMMU Groups view (its own activity-bar container): the hardware of the configuration the
// user last worked on, group by group, with every device's name, ids, class and driver, the full
// facts in tooltips, and the configuration lines that bind it.
import { commands, Event, EventEmitter, MarkdownString, ThemeColor, ThemeIcon, TreeDataProvider, TreeItem, TreeItemCollapsibleState, Uri } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { BindingLine, Device, deviceDescription, deviceFacts, deviceName, groupDescription, isBridge, isDisplay } from './groups';
import { hardwareView } from './hardware';

export type { Device } from './groups';

export type IommuNode =
  | { kind: 'group'; group: number; devices: Device[]; isolated: boolean; bindings: Record<string, BindingLine[]>; passThroughRefused?: string }
  | { kind: 'device'; device: Device; bindings: BindingLine[] }
  | { kind: 'message'; text: string };

export class IommuGroupsView implements TreeDataProvider<IommuNode> {
  private readonly changed = new EventEmitter<IommuNode | undefined>();
  readonly onDidChangeTreeData: Event<IommuNode | undefined> = this.changed.event;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    /** The configuration worked on (opened in the background when none is in sight). */
    private readonly configuration: () => Promise<Uri | undefined>,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: IommuNode): TreeItem {
    if (node.kind === 'message') {
      const item = new TreeItem(node.text);
      item.tooltip = node.text;
      return item;
    }
    if (node.kind === 'group') {
      const { isolated } = node;
      const gpu = node.devices.find(isDisplay);
      const item = new TreeItem(`Group ${node.group}`, gpu ? TreeItemCollapsibleState.Expanded : TreeItemCollapsibleState.Collapsed);
      item.description = groupDescription(node.devices, isolated);
      // A group the server's pass-through guard refuses gets no "Pass through" action (package.json menus).
      item.contextValue = node.passThroughRefused ? 'iommuGroupHostNeeds' : 'iommuGroup';
      item.iconPath = new ThemeIcon(isolated ? 'pass' : 'warning', new ThemeColor(isolated ? 'testing.iconPassed' : 'list.warningForeground'));
      const tooltip = new MarkdownString(undefined, true);
      tooltip.isTrusted = false;
      tooltip.supportHtml = false;
      tooltip.appendText(
        `IOMMU group ${node.group}: ${isolated ? 'isolated (one card’s functions only)' : 'shared (other devices would leave the host too)'}\n\n`,
      );
      if (node.passThroughRefused) tooltip.appendText(`Not offered for passthrough: ${node.passThroughRefused}\n\n`);
      for (const device of node.devices) tooltip.appendText(`${deviceFacts(device, node.bindings[device.address]).join('\n')}\n\n`);
      item.tooltip = tooltip;
      return item;
    }
    const { device } = node;
    const item = new TreeItem(`${device.address.replace(/^0000:/, '')} ${deviceName(device)}`);
    item.description = deviceDescription(device);
    const tooltip = new MarkdownString(undefined, true);
    tooltip.appendText(deviceFacts(device, node.bindings).join('\n'));
    item.tooltip = tooltip;
    item.iconPath = new ThemeIcon(isDisplay(device) ? 'device-desktop' : isBridge(device) ? 'git-merge' : 'circuit-board');
    item.contextValue = node.bindings.length > 0 ? 'iommuDeviceBound' : 'iommuDevice';
    // A bound device opens the line that binds it.
    if (node.bindings.length > 0) {
      const [first] = node.bindings;
      item.command = { title: 'Go to the binding line', command: 'nixVfio.revealBinding', arguments: [first] };
    }
    return item;
  }

  async getChildren(node?: IommuNode): Promise<IommuNode[]> {
    if (node?.kind === 'group') return node.devices.map((device) => ({ kind: 'device', device, bindings: node.bindings[device.address] ?? [] }));
    if (node) return [];
    const view = await hardwareView(this.client(), await this.configuration());
    // The walkthrough's step is done once groups are in sight.
    void commands.executeCommand('setContext', 'nixVfio.groupsShown', view.kind === 'groups');
    if (view.kind === 'message') return [{ kind: 'message', text: view.text }];
    return view.groups.map(({ group, devices, isolated, passThroughRefused }) => ({
      kind: 'group',
      group,
      isolated,
      devices,
      bindings: view.bindings,
      ...(passThroughRefused ? { passThroughRefused } : {}),
    }));
  }
}
