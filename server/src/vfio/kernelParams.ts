// Reading boot.kernelParams out of a configuration view.
import type { ConfigView, Definition } from '../model/optionModel';
import { HOLE, ListItem, textWithHoles } from '../model/values';
import { FactReader, viewFacts } from '../model/viewFacts';

export const KERNEL_PARAMS = 'boot.kernelParams';

/** vfio-pci's module parameters [A2.9], whether given as `options vfio-pci …` or `vfio-pci.<key>=`. */
export const VFIO_PCI_PARAMETERS = ['ids', 'nointxmask', 'disable_vga', 'disable_idle_d3', 'enable_sriov', 'disable_denylist'];

export interface KernelParam {
  /** The parameter's text with HOLE for unknown parts; undefined when not a string. */
  text: string | undefined;
  item: ListItem;
  definition: Definition;
}

/**
 * Every item of the merged boot.kernelParams (after mkForce/mkDefault) in this view; with
 * `owned`, only the items of definitions the view owns (`ConfigView.ownDefinitions`): what a rule
 * that judges each item on its own reports, read without the base's items in a specialisation.
 */
export function kernelParams(view: ConfigView, { effective = true, owned = false } = {}): readonly KernelParam[] {
  if (owned) return view.ownDefinitions(KERNEL_PARAMS, { effective }).flatMap(definitionParams);
  // Read once per view (several rules ask), a specialisation's from the base's and its own.
  return viewFacts(view, effective ? EFFECTIVE_PARAMS : ALL_PARAMS);
}

function definitionParams(definition: Definition): KernelParam[] {
  if (definition.value.kind !== 'list') return [];
  return definition.value.items.map((item) => ({ text: textWithHoles(item.value), item, definition }));
}

const EFFECTIVE_PARAMS: FactReader<KernelParam> = { options: [KERNEL_PARAMS], effective: true, read: definitionParams };
const ALL_PARAMS: FactReader<KernelParam> = { options: [KERNEL_PARAMS], read: definitionParams };

/** The parameter's name (`intel_iommu` of `intel_iommu=on`, and of `intel-iommu=on`), when known. */
export function paramName(text: string): string | undefined {
  const name = text.split('=', 1)[0]!;
  return name.includes(HOLE) ? undefined : canonicalParamName(name);
}

/** The parameter's value after `=`, when fully known. */
export function paramValue(text: string): string | undefined {
  const at = text.indexOf('=');
  if (at < 0) return undefined;
  const value = text.slice(at + 1);
  return value.includes(HOLE) ? undefined : value;
}

/**
 * A parameter name as the kernel compares it: `-` and `_` are the same character in parameter
 * names (kernel/params.c `parameq`), and kmod normalises module names the same way, so
 * `intel-iommu`, `vfio-pci.ids` and `vfio_pci.ids` are all spelt correctly.
 */
export function canonicalParamName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The words of a kernel command line, split at whitespace outside double quotes (`foo="a b"` is one). */
export function splitOutsideQuotes(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && /\s/.test(char)) {
      if (current) words.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current) words.push(current);
  return words;
}

/** A bare vfio-pci id (`10de:0fbb`, up to six hex fields): what follows a space inside an ids list. */
const BARE_ID = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:[0-9a-fA-F]{1,8}){0,4},?$/;

/**
 * The parameters a boot.kernelParams item meant, one per string: words split at whitespace outside
 * double quotes, except that a space inside a comma list (`vfio-pci.ids=10de:13c0, 10de:0fbb`) is
 * joined back. The kernel would end the parameter at that space (the ids after it are lost), so
 * the list goes back together without it: the user meant both ids.
 */
export function kernelParamWords(text: string): string[] {
  return joinedParamWords(text).map((joined) => joined.word);
}

/** kernelParamWords, each with the pieces after a space that were joined back into it. */
export function joinedParamWords(text: string): { word: string; joined: string[] }[] {
  const words: { word: string; joined: string[] }[] = [];
  for (const piece of splitOutsideQuotes(text)) {
    const previous = words[words.length - 1];
    const comma = previous !== undefined && (previous.word.endsWith(',') || piece.startsWith(','));
    const continues = previous !== undefined && previous.word.includes('=') && (comma || (/^vfio[-_]pci\.ids=/.test(previous.word) && BARE_ID.test(piece)));
    if (previous && continues) {
      previous.word = `${previous.word}${comma ? '' : ','}${previous.word.endsWith(',') && piece.startsWith(',') ? piece.slice(1) : piece}`;
      previous.joined.push(piece.replace(/^,|,$/g, ''));
    } else words.push({ word: piece, joined: [] });
  }
  return words;
}

/** The words of a list option's string: kernel parameters keep their comma lists together. */
export function listWords(option: string, text: string): string[] {
  return option === KERNEL_PARAMS ? kernelParamWords(text) : splitOutsideQuotes(text);
}
