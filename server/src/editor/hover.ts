// What hovering a vfio-pci id or slot shows: the devices it takes first (name, class, IOMMU group,
// current driver, the other members of the group), a line each, and what the token is last; kept
// short so the device is in sight even below an editor's findings.
import { markdownText, snapshotText } from '../hardware/displayText';
import { className } from '../hardware/pciClasses';
import { HardwareSnapshot, iommuGroups } from '../hardware/snapshot';
import { OptionModel } from '../model/optionModel';
import { describeDevice, devicesFor, isBridge } from '../vfio/devices';
import { modelBindings, normaliseAddress, VfioBinding } from '../vfio/vfioBindings';
import { TextRange } from '../text';

export interface HoverInfo {
  range: TextRange;
  markdown: string;
}

/** The exactly-located binding under `offset` in `file`. */
export function bindingAt(model: OptionModel, file: string, offset: number): VfioBinding | undefined {
  return modelBindings(model).find((binding) => binding.exact && binding.file === file && binding.range.start <= offset && offset <= binding.range.end);
}

export function hoverAt(model: OptionModel, hardware: HardwareSnapshot | undefined, file: string, offset: number): HoverInfo | undefined {
  const binding = bindingAt(model, file, offset);
  if (!binding) return undefined;
  // The token is the configuration's own text; a code span holds it only when it cannot close one.
  const token = /^[\w:.-]+$/.test(binding.token) ? `\`${binding.token}\`` : markdownText(binding.token);
  const kind = `vfio-pci ${binding.kind} ${token}`;
  if (binding.noDevice === 'short-address') {
    const full = normaliseAddress(binding.token);
    return {
      range: binding.range,
      markdown: `${kind}\n\nNames no device: sysfs and udev name PCI devices with their domain (\`${full}\`), so this binds nothing. Write \`${full}\`.`,
    };
  }
  if (!hardware) return { range: binding.range, markdown: `${kind}\n\nNo hardware snapshot: the device cannot be looked up.` };
  const devices = devicesFor(binding, hardware);
  if (devices.length === 0) return { range: binding.range, markdown: `${kind}\n\nNo device in the hardware snapshot matches.` };
  const groups = iommuGroups(hardware);
  const sections = devices.map((device) => {
    // Two spaces end a Markdown line without starting a paragraph: one compact block per device.
    const lines = [
      `**${markdownText(describeDevice(device))}**`,
      `${markdownText(`${className(device)} [${device.class.slice(0, 4)}]`)}${device.bootVga ? ', boot GPU' : ''} · IOMMU group: ${device.iommuGroup ?? 'none (IOMMU off?)'} · driver now: ${device.driver === undefined ? 'unknown' : device.driver === null ? 'none' : markdownText(snapshotText(device.driver))}`,
    ];
    const others = device.iommuGroup === null ? [] : (groups.get(device.iommuGroup) ?? []).filter((other) => other !== device);
    if (others.length > 0) {
      lines.push(
        `also in the group: ${others.map((other) => `${markdownText(describeDevice(other))}${isBridge(other) ? ' (bridge, stays)' : ''}`).join('; ')}`,
      );
    }
    return lines.join('  \n');
  });
  return { range: binding.range, markdown: `${sections.join('\n\n')}\n\n*${kind}*` };
}
