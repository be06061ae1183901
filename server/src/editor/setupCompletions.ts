// The IOMMU and ACS-override setup offered where an option can be written (they replace the static
// snippets, which could not see the file): a parameter for boot.kernelParams goes into the list the
// file already has, as an extra edit, because a second `boot.kernelParams = …;` in the same set is
// a duplicate attribute and the file no longer evaluates.
import { HardwareSnapshot } from '../hardware/snapshot';
import { configView, Definition, OptionModel } from '../model/optionModel';
import { knownText } from '../model/values';
import { insertIntoList, nixString } from '../fixes/listEdits';
import { FileEdit } from '../fixes/types';
import { cpuVendor } from '../vfio/cpuVendor';
import { KERNEL_PARAMS } from '../vfio/kernelParams';
import { Completion } from './completion';

const ACS_PARAMETER = 'pcie_acs_override=downstream,multifunction';

/** The file's definitions of `option` (any view: they share the file's sets). */
function definitionsIn(model: OptionModel, file: string, option: string): Definition[] {
  return model.definitions.filter((definition) => definition.file === file && definition.path.join('.') === option);
}

/**
 * Where a kernel parameter goes: `'new'` when the file has no boot.kernelParams (the completion
 * writes the binding), an edit into its list, `'present'` when it is there already, or undefined
 * when the file binds it to something that is no list literal (nothing can be added safely).
 */
function parameterPlace(model: OptionModel, file: string, parameter: string): 'new' | 'present' | FileEdit | undefined {
  const definitions = definitionsIn(model, file, KERNEL_PARAMS);
  if (definitions.length === 0) return 'new';
  if (definitions.some((definition) => definition.value.kind === 'list' && definition.value.items.some((item) => knownText(item.value) === parameter))) {
    return 'present';
  }
  // A list written in the binding itself: one bound through a let name may be used elsewhere too.
  for (const definition of definitions) {
    if (definition.value.kind !== 'list') continue;
    const { start, end } = definition.bindingRange;
    const literal = definition.value.literals.filter((candidate) => start <= candidate.range.start && candidate.range.end <= end).at(-1);
    if (literal) return insertIntoList(model.files.get(file)?.text ?? '', file, literal, nixString(parameter));
  }
  return undefined;
}

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
    const place = parameterPlace(model, file, 'intel_iommu=on');
    if (place === 'new')
      completions.push(item('vfio-iommu', 'Turn on the Intel IOMMU: boot.kernelParams', 'boot.kernelParams = [ "intel_iommu=on" ];', replace));
    else if (place !== undefined && place !== 'present') {
      completions.push({
        ...item('vfio-iommu', 'Turn on the Intel IOMMU: added to the boot.kernelParams list of this file', '', replace),
        additionalEdits: [place],
      });
    }
  }
  if (matches(['vfio-acs-patch', 'boot.kernelPatches']) && definitionsIn(model, file, 'boot.kernelPatches').length === 0) {
    const patch = ['boot.kernelPatches = [', '  {', '    name = "add-acs-overrides";', '    patch = ./add-acs-overrides.patch;', '  }', '];'];
    const place = parameterPlace(model, file, ACS_PARAMETER);
    const detail = 'ACS override patch (splits IOMMU groups at the cost of isolation) and pcie_acs_override=';
    if (place === 'new')
      completions.push(item('vfio-acs-patch', detail, [...patch, `boot.kernelParams = [ ${nixString(ACS_PARAMETER)} ];`].join('\n'), replace));
    else if (place === 'present') completions.push(item('vfio-acs-patch', detail, patch.join('\n'), replace));
    else if (place !== undefined) completions.push({ ...item('vfio-acs-patch', detail, patch.join('\n'), replace), additionalEdits: [place] });
  }
  return completions;
}

function item(label: string, detail: string, insertText: string, replace: Completion['replace']): Completion {
  return { label, detail, insertText, replace, sortText: '0000' };
}
