// The IOMMU and ACS-override setup offered where an option can be written (they replace the static
// snippets, which could not see the file): a parameter for boot.kernelParams goes into the list the
// file already has, as an extra edit, because a second `boot.kernelParams = …;` in the same set is
// a duplicate attribute and the file no longer evaluates.
import { HardwareSnapshot } from '../hardware/snapshot';
import { configView, OptionModel } from '../model/optionModel';
import { nixString } from '../fixes/listEdits';
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS } from '../vfio/kernelParams';
import { bindingCompletionsAt } from './bindingCompletions';
import { definitionsIn, item, listItemsCompletion, listPlace, writtenAt } from './completionPlaces';
import { Completion } from './completion';

const ACS_PARAMETER = 'pcie_acs_override=downstream,multifunction';

/** At the start of a binding (`vfio-iom|` on a line of its own, outside any value): the word typed so far. */
function bindingWord(model: OptionModel, file: string, offset: number): string | undefined {
  const text = model.files.get(file)?.text ?? '';
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const word = /^[ \t]*([A-Za-z_][\w.-]*)$/.exec(text.slice(lineStart, offset))?.[1];
  if (word === undefined) return undefined;
  const inValue = model.definitions.some(
    (definition) => definition.file === file && definition.value.range.start < offset && offset < definition.value.range.end,
  );
  return inValue ? undefined : word;
}

export function setupCompletionsAt(model: OptionModel, hardware: HardwareSnapshot | undefined, file: string, offset: number): Completion[] {
  const word = bindingWord(model, file, offset);
  if (word === undefined) return [];
  const replace = { start: offset - word.length, end: offset };
  const completions: Completion[] = [];
  const matches = (prefixes: string[]) => prefixes.some((prefix) => prefix.startsWith(word) || word.startsWith(prefix));
  // AMD's IOMMU needs no parameter: it is on when the firmware enables it.
  const amd = cpuVendor(configView(model), hardware)?.vendor === 'amd';
  if (!amd && matches(['vfio-iommu', 'intel_iommu'])) {
    const iommu = listItemsCompletion(
      model,
      file,
      offset,
      KERNEL_PARAMS,
      ['intel_iommu=on'],
      {
        label: 'vfio-iommu',
        detail: 'Turn on the Intel IOMMU: boot.kernelParams',
        mergedDetail: 'Turn on the Intel IOMMU: added to the boot.kernelParams list of this file',
      },
      replace,
    );
    if (iommu) completions.push(iommu);
  }
  if (matches(['vfio-acs-patch', 'boot.kernelPatches']) && definitionsIn(model, file, 'boot.kernelPatches').length === 0) {
    const patches = writtenAt(model, file, offset, 'boot.kernelPatches');
    const params = writtenAt(model, file, offset, KERNEL_PARAMS);
    const patch = [`${patches} = [`, '  {', '    name = "add-acs-overrides";', '    patch = ./add-acs-overrides.patch;', '  }', '];'];
    const place = listPlace(model, file, KERNEL_PARAMS, [ACS_PARAMETER]);
    const detail = 'ACS override patch (splits IOMMU groups at the cost of isolation) and pcie_acs_override=';
    if (!patches || !params) {
      // Not a place where boot options can be written.
    } else if (place === 'new')
      completions.push(item('vfio-acs-patch', detail, [...patch, `${params} = [ ${nixString(ACS_PARAMETER)} ];`].join('\n'), replace));
    else if (place === 'present') completions.push(item('vfio-acs-patch', detail, patch.join('\n'), replace));
    else if (place !== undefined) completions.push({ ...item('vfio-acs-patch', detail, patch.join('\n'), replace), additionalEdits: [place] });
  }
  completions.push(...bindingCompletionsAt(model, hardware, file, offset, matches, replace));
  // Written as is (the LSP item says so): later lines take the indentation of the line typed on.
  const text = model.files.get(file)?.text ?? '';
  const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', offset - 1) + 1))?.[0] ?? '';
  return completions.map((completion) => ({ ...completion, insertText: completion.insertText.replace(/\n/g, `\n${indent}`) }));
}
