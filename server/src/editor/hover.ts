// What hovering a vfio-pci id or slot shows: the devices it takes first (name, class, IOMMU group,
// current driver, the other members of the group), a line each, then how the boot goes for it (a
// driver_override address: the boot timeline and what the card ends up with; an id: whether a
// later ids assignment replaces it), and what the token is last; kept short so the device is in
// sight even below an editor's findings.
import { markdownText, snapshotText } from '../hardware/displayText';
import { className } from '../hardware/pciClasses';
import { HardwareSnapshot, iommuGroups } from '../hardware/snapshot';
import { configViews, OptionModel } from '../model/optionModel';
import { overrideScripts, timelineText } from '../vfio/bootTimeline';
import { describeDevice, devicesFor, isBridge } from '../vfio/devices';
import { describeAssignment } from '../vfio/effectiveIds';
import { modelBindings, normaliseAddress, VfioBinding, writtenBindings } from '../vfio/vfioBindings';
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
      markdown: `${kind}

Names no device: sysfs and udev name PCI devices with their domain (\`${full}\`), so this binds nothing. Write \`${full}\`.`,
    };
  }
  if (binding.noDevice === 'module-name') {
    return {
      range: binding.range,
      markdown: `${kind}

Binds nothing: driver_override gets \`vfio_pci\`, the module's name, and the PCI core binds only the driver named exactly that; vfio-pci's driver is named \`vfio-pci\`. Write \`vfio-pci\`.`,
    };
  }
  const devices = hardware ? devicesFor(binding, hardware) : [];
  const boot = bootLine(model, binding, devices[0]?.vendor);
  const last = `${
    boot
      ? `${boot}

`
      : ''
  }*${kind}*`;
  if (!hardware)
    return {
      range: binding.range,
      markdown: `${kind}

No hardware snapshot: the device cannot be looked up.${
        boot
          ? `

${boot}`
          : ''
      }`,
    };
  if (devices.length === 0)
    return {
      range: binding.range,
      markdown: `${kind}

No device in the hardware snapshot matches.${
        boot
          ? `

${boot}`
          : ''
      }`,
    };
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
  return { range: binding.range, markdown: `${sections.join('\n\n')}\n\n${last}` };
}

/**
 * How the boot goes for this binding, in the view of the configuration it is written in: for a
 * driver_override address the timeline (vfio/bootTimeline.ts) with its outcome, for an id that a
 * later assignment replaces (vfio/effectiveIds.ts) which one wins. Plain text made inert.
 */
export function bootLine(model: OptionModel, binding: VfioBinding, vendor: string | undefined): string | undefined {
  const view = configViews(model).find((candidate) => candidate.specialisation === binding.definition.specialisation);
  if (!view) return undefined;
  const same = (other: VfioBinding) => other.definition === binding.definition && other.range.start === binding.range.start && other.token === binding.token;
  if (binding.via === 'driver-override') {
    const script = overrideScripts(view).find((candidate) => same(candidate.binding));
    return script ? `Boot order: ${markdownText(timelineText(view, vendor, script))}` : undefined;
  }
  const winner = writtenBindings(view).find(same)?.assignment?.overriddenBy;
  return winner
    ? `Ignored: ${markdownText(describeAssignment(winner))} comes later and replaces these ids (ids is one vfio-pci parameter: the last assignment wins).`
    : undefined;
}
