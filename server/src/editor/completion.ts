// Completion of vfio-pci ids and slots from the hardware snapshot inside the strings that bind
// devices: after `vfio-pci.ids=` / `ids=` and between commas, ids; in driver_override scripts,
// addresses. GPUs and their other functions come first.
import { HardwareSnapshot, PciDevice } from '../hardware/snapshot';
import { OptionModel } from '../model/optionModel';
import { boundDevices, describeDevice, idOf, isBridge, isDisplay, slotOf } from '../vfio/devices';
import { KERNEL_PARAMS } from '../vfio/kernelParams';
import { COMMAND_OPTIONS } from '../vfio/scripts';
import { modelBindings, MODPROBE_OPTIONS } from '../vfio/vfioBindings';
import { TextRange } from '../text';
import type { FileEdit } from '../fixes/types';
import { className } from '../hardware/pciClasses';

export interface Completion {
  label: string;
  detail: string;
  insertText: string;
  /** The partial token the completion replaces. */
  replace: TextRange;
  sortText: string;
  /** Edits elsewhere in the same file that come with it (a parameter merged into an existing list). */
  additionalEdits?: FileEdit[];
}

/**
 * Endpoints in the order a user wants them: the rest of the IOMMU groups the configuration
 * already binds into, then GPUs, then the other functions of GPU cards, then everything else.
 */
function ranked(model: OptionModel, hardware: HardwareSnapshot): PciDevice[] {
  const boundGroups = new Set([...boundDevices(modelBindings(model), hardware).values()].map((device) => device.iommuGroup));
  const gpuSlots = new Set(hardware.devices.filter(isDisplay).map((device) => slotOf(device.address)));
  const rank = (device: PciDevice) =>
    device.iommuGroup !== null && boundGroups.has(device.iommuGroup) ? 0 : isDisplay(device) ? 1 : gpuSlots.has(slotOf(device.address)) ? 2 : 3;
  return hardware.devices.filter((device) => !isBridge(device)).sort((a, b) => rank(a) - rank(b) || a.address.localeCompare(b.address));
}

function insideOption(model: OptionModel, file: string, offset: number, options: readonly string[]): boolean {
  return model.definitions.some(
    (definition) =>
      definition.file === file && options.includes(definition.path.join('.')) && definition.value.range.start < offset && offset < definition.value.range.end,
  );
}

/**
 * Inside a string element of a let-bound list that is joined into the ids (`gpuIds = [ "10de:…" ]`):
 * the partial id typed so far, and the ids the list already holds.
 */
function idListElementContext(model: OptionModel, file: string, offset: number, text: string): { partial: string; already: Set<string> } | undefined {
  const bindings = modelBindings(model).filter((binding) => binding.kind === 'id' && binding.origin && binding.definition.file === file);
  const literal = bindings.find((binding) => binding.origin!.literal.range.start < offset && offset < binding.origin!.literal.range.end)?.origin!.literal;
  if (!literal) return undefined;
  const element = literal.elements.find((candidate) => candidate.start < offset && offset < candidate.end);
  const typed = element && /^"([0-9a-fA-F:]*)$/.exec(text.slice(element.start, offset));
  if (!typed) return undefined;
  const already = new Set(bindings.filter((binding) => binding.origin!.literal === literal).map((binding) => binding.token.toLowerCase()));
  return { partial: typed[1]!, already };
}

export function completionsAt(model: OptionModel, hardware: HardwareSnapshot | undefined, file: string, offset: number): Completion[] {
  if (!hardware) return [];
  const text = model.files.get(file)?.text ?? '';
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const idContext = /(?:vfio[-_]pci\.ids=|(?:^|\s)ids=)((?:[0-9a-fA-F:]*,)*)([0-9a-fA-F:]*)$/.exec(before);
  const inIdString = idContext && insideOption(model, file, offset, [KERNEL_PARAMS, ...MODPROBE_OPTIONS]);
  const inIdList = inIdString ? undefined : idListElementContext(model, file, offset, text);
  if (inIdString || inIdList) {
    const partial = inIdList ? inIdList.partial : idContext![2]!;
    const already = inIdList
      ? inIdList.already
      : new Set(
          idContext![1]!
            .split(',')
            .filter(Boolean)
            .map((id) => id.toLowerCase()),
        );
    const seen = new Set<string>();
    return ranked(model, hardware).flatMap((device, index) => {
      const id = idOf(device);
      if (seen.has(id) || already.has(id) || !id.startsWith(partial.toLowerCase())) return [];
      seen.add(id);
      return [
        {
          label: id,
          detail: `${describeDevice(device)} · ${className(device)} · group ${device.iommuGroup ?? '–'}`,
          insertText: id,
          replace: { start: offset - partial.length, end: offset },
          sortText: String(index).padStart(4, '0'),
        },
      ];
    });
  }
  const slotContext = /(?:^|[\s"'=/])([0-9a-fA-F:.]*)$/.exec(before);
  if (
    slotContext &&
    insideOption(model, file, offset, COMMAND_OPTIONS) &&
    /driver_override|DEVS=|\/sys\/bus\/pci\/devices/.test(text.slice(lineStart, text.indexOf('\n', offset) < 0 ? text.length : text.indexOf('\n', offset)))
  ) {
    const partial = slotContext[1]!;
    return ranked(model, hardware).flatMap((device, index) =>
      device.address.startsWith(partial.toLowerCase()) || device.address.slice(5).startsWith(partial.toLowerCase())
        ? [
            {
              label: device.address,
              detail: `${describeDevice(device)} · group ${device.iommuGroup ?? '–'}`,
              insertText: device.address,
              replace: { start: offset - partial.length, end: offset },
              sortText: String(index).padStart(4, '0'),
            },
          ]
        : [],
    );
  }
  return [];
}
