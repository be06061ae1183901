// Since NixOS 21.11 each boot.kernelParams item must match ([^"[:space:]]|"[^"]*")+: several
// parameters in one string ("intel_iommu=on iommu=pt") fail evaluation with "is not of type
// 'string, with spaces inside double quotes'".
import { HOLE } from '../model/values';
import { joinedParamWords, KERNEL_PARAMS, kernelParams, splitOutsideQuotes } from '../vfio/kernelParams';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_UNQUOTED_SPACE = 'kernel-param-unquoted-space';

/** Whether `text` has whitespace outside double quotes; undefined when an unknown part makes it unclear. */
export function hasUnquotedSpace(text: string): boolean | undefined {
  let quoted = false;
  for (const char of text) {
    if (char === HOLE) return undefined;
    if (char === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(char)) return true;
  }
  return false;
}

export const kernelParamUnquotedSpace: Rule = {
  code: KERNEL_PARAM_UNQUOTED_SPACE,
  severity: 'error',
  needsHardware: false,
  acrossViews: true,
  title: 'A boot.kernelParams item holds whitespace outside double quotes',
  check({ views }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
        if (text === undefined || hasUnquotedSpace(text) !== true) continue;
        const key = `${definition.file}:${item.range.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const canSplit = item.value.kind === 'string' && item.value.literal && text.trim() !== '';
        const pieces = splitOutsideQuotes(text);
        const joinedWords = joinedParamWords(text);
        const words = joinedWords.map((joined) => joined.word);
        const failure = `since NixOS 21.11 this fails evaluation ("not of type 'string, with spaces inside double quotes'")`;
        // A space inside a comma list ("vfio-pci.ids=10de:13c0, 10de:0fbb"): on the kernel command
        // line it would end the parameter, and what follows would not be part of it.
        const listNote = joinedWords
          .filter((joined) => joined.joined.length > 0)
          .map(
            (joined) =>
              ` The space inside the list of ${joined.word.split('=', 1)[0]} breaks the parameter: the kernel command line ends a parameter at a space, ` +
              `so ${joined.joined.join(', ')} would not be part of it. Written as one parameter: ${JSON.stringify(joined.word)}.`,
          )
          .join('');
        // One parameter with stray whitespace around it ("intel_iommu=on ") fails the same way.
        const single = pieces.length === 1;
        // Unknown parts (HOLE) are shown as the interpolation they come from.
        const shown = text.split(HOLE).join('${…}');
        findings.push({
          code: KERNEL_PARAM_UNQUOTED_SPACE,
          severity: 'error',
          message: single
            ? `${JSON.stringify(shown)} has whitespace outside double quotes; ${failure}. Remove the whitespace.`
            : words.length === 1
              ? `${JSON.stringify(shown)} has a space inside its value list; ${failure}.${listNote}`
              : `"${shown.replace(/\s+/g, ' ').trim()}" holds several kernel parameters in one item; ${failure}. Give each parameter its own string.${listNote}`,
          file: definition.file,
          range: item.range,
          fix: canSplit
            ? {
                fix: 'split-list-item',
                title: single
                  ? `Remove the whitespace around "${pieces[0]}"`
                  : words.length === 1
                    ? `Write it as ${JSON.stringify(words[0])}`
                    : 'Split into one string per parameter',
                args: { option: KERNEL_PARAMS, item: text },
              }
            : undefined,
        });
      }
    }
    return findings;
  },
};
