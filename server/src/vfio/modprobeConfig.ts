// The lines of boot.extraModprobeConfig (and boot.initrd.extraModprobeConfig), each with where
// it is written when the model knows.
import type { ConfigView, Definition } from '../model/optionModel';
import { charSources, HOLE, sourceRangeOf } from '../model/values';
import { FactReader, viewFacts } from '../model/viewFacts';
import type { TextRange } from '../text';
import { blacklisted, normaliseModuleName } from './kernelModules';
import { MODPROBE_OPTIONS } from './vfioBindings';

export interface ModprobeLine {
  /** The line's text, trimmed; HOLE marks unknown parts. */
  text: string;
  /** The words: `options vfio-pci ids=…` → ['options', 'vfio-pci', 'ids=…']. */
  words: { text: string; range?: TextRange }[];
  definition: Definition;
  range: TextRange;
}

/** The lines of one definition's text. */
function definitionLines(definition: Definition): ModprobeLine[] {
  const lines: ModprobeLine[] = [];
  const mapped = charSources(definition.value);
  if (!mapped) return lines;
  let offset = 0;
  for (const raw of mapped.text.split('\n')) {
    const start = offset;
    offset += raw.length + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const words = [...raw.matchAll(/\S+/g)].map((match) => ({
      text: match[0],
      range: sourceRangeOf(mapped, start + match.index!, start + match.index! + match[0].length),
    }));
    const lead = raw.length - raw.trimStart().length;
    lines.push({ text, words, definition, range: sourceRangeOf(mapped, start + lead, start + lead + text.length) ?? definition.value.range });
  }
  return lines;
}

const LINES_READER: FactReader<ModprobeLine> = { options: MODPROBE_OPTIONS, read: definitionLines };

/** The view's modprobe lines, option by option, each in model order; read once per view. Shared between callers: do not change it. */
export function modprobeLines(view: ConfigView): readonly ModprobeLine[] {
  return viewFacts(view, LINES_READER);
}

/** `softdep <module> pre: … vfio-pci …` lines, by the module they are for (normalised names). */
export function softdepsBeforeVfio(view: ConfigView): Set<string> {
  const modules = new Set<string>();
  for (const line of modprobeLines(view)) {
    const [keyword, module, ...rest] = line.words.map((word) => word.text);
    if (keyword !== 'softdep' || !module || module.includes(HOLE)) continue;
    const pre = rest.indexOf('pre:');
    const post = rest.indexOf('post:');
    const before = pre < 0 ? [] : rest.slice(pre + 1, post > pre ? post : undefined);
    if (before.some((name) => /^vfio[-_]pci$/.test(name))) modules.add(module.replace(/-/g, '_'));
  }
  return modules;
}

export interface BlacklistEntry {
  /** As written. */
  spelling: string;
  /** Where, for messages: the option, or the modprobe line. */
  where: string;
}

/**
 * Every blacklisted module (normalised name): boot.blacklistedKernelModules and `blacklist <m>`
 * lines in boot.extraModprobeConfig end up in the same /etc/modprobe.d/nixos.conf [A1.8].
 */
export function blacklistedModules(view: ConfigView): ReadonlyMap<string, BlacklistEntry> {
  let entries = blacklistsByView.get(view);
  if (!entries) blacklistsByView.set(view, (entries = readBlacklist(view)));
  return entries;
}

const blacklistsByView = new WeakMap<ConfigView, ReadonlyMap<string, BlacklistEntry>>();

/** The `blacklist <m>` lines of one boot.extraModprobeConfig definition, as [normalised name, entry]. */
const BLACKLIST_LINES: FactReader<[string, BlacklistEntry]> = {
  options: ['boot.extraModprobeConfig'],
  read: (definition) =>
    definitionLines(definition).flatMap((line): [string, BlacklistEntry][] => {
      const [keyword, module] = line.words.map((word) => word.text);
      if (keyword !== 'blacklist' || !module || module.includes(HOLE)) return [];
      return [[normaliseModuleName(module), { spelling: module, where: `boot.extraModprobeConfig ("blacklist ${module}")` }]];
    }),
};

function readBlacklist(view: ConfigView): Map<string, BlacklistEntry> {
  const entries = new Map<string, BlacklistEntry>(viewFacts(view, BLACKLIST_LINES));
  for (const [name, spelling] of blacklisted(view)) entries.set(name, { spelling, where: 'boot.blacklistedKernelModules' });
  return entries;
}
