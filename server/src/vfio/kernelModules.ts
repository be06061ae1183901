// Reading kernel module lists, in list form or the attribute-set form newer NixOS accepts.
import type { ConfigView, Definition } from '../model/optionModel';
import { knownText } from '../model/values';
import { FactReader, viewFacts } from '../model/viewFacts';
import type { TextRange } from '../text';

export const MODULE_OPTIONS = ['boot.kernelModules', 'boot.initrd.kernelModules', 'boot.initrd.availableKernelModules'] as const;

export interface ModuleEntry {
  /** Normalised: `-` becomes `_`, as modprobe treats them alike. */
  name: string;
  option: (typeof MODULE_OPTIONS)[number];
  range: TextRange;
  definition: Definition;
}

export function normaliseModuleName(name: string): string {
  return name.trim().replace(/-/g, '_');
}

type ModuleOption = (typeof MODULE_OPTIONS)[number];

/** The modules one definition of (or below) `option` loads. */
function definitionModules(definition: Definition, option: ModuleOption): ModuleEntry[] {
  const depth = option.split('.').length;
  const entries: ModuleEntry[] = [];
  if (definition.path.length === depth && definition.value.kind === 'list') {
    for (const item of definition.value.items) {
      const text = knownText(item.value);
      if (text !== undefined) entries.push({ name: normaliseModuleName(text), option, range: item.range, definition });
    }
  } else if (definition.path.length === depth + 1 && definition.value.kind === 'bool' && definition.value.value) {
    // `boot.kernelModules = { vfio_pci = true; }`: a module is loaded when its name is true.
    entries.push({ name: normaliseModuleName(definition.path[depth]!), option, range: definition.bindingRange, definition });
  }
  return entries;
}

/** One reader per list of options asked for, so each list's entries are read once per view (viewFacts.ts). */
const MODULE_READERS = new Map<string, FactReader<ModuleEntry>>();

/** The modules of the definitions of `options` the view owns (`ConfigView.ownDefinitions`): for a rule that judges each entry on its own. */
export function ownedModules(view: ConfigView, options: readonly ModuleOption[] = MODULE_OPTIONS): ModuleEntry[] {
  return options.flatMap((option) => view.ownDefinitions(option, { under: true }).flatMap((definition) => definitionModules(definition, option)));
}

/** The modules the view's definitions of `options` load, option by option, each in model order. Shared between callers: do not change it. */
export function kernelModules(view: ConfigView, options: readonly ModuleOption[] = MODULE_OPTIONS): readonly ModuleEntry[] {
  const key = options.join(' ');
  let reader = MODULE_READERS.get(key);
  if (!reader) {
    reader = { options, under: true, read: (definition, option) => definitionModules(definition, option as ModuleOption) };
    MODULE_READERS.set(key, reader);
  }
  return viewFacts(view, reader);
}

/**
 * Blacklisted module names (normalised) with their spelling. Each item becomes a line
 * `blacklist <item>` in /etc/modprobe.d/nixos.conf, and kmod reads one name after `blacklist`:
 * of `"nouveau nvidia"` only nouveau is blacklisted.
 */
export function blacklisted(view: ConfigView): ReadonlyMap<string, string> {
  let names = blacklists.get(view);
  if (!names) {
    names = new Map(viewFacts(view, BLACKLIST_READER));
    blacklists.set(view, names);
  }
  return names;
}

/** Each item's first word: [normalised, as written]. */
const BLACKLIST_READER: FactReader<[string, string]> = {
  options: ['boot.blacklistedKernelModules'],
  read(definition) {
    if (definition.value.kind !== 'list') return [];
    return definition.value.items.flatMap((item): [string, string][] => {
      const first = knownText(item.value)?.trim().split(/\s+/)[0];
      return first ? [[normaliseModuleName(first), first]] : [];
    });
  },
};
const blacklists = new WeakMap<ConfigView, ReadonlyMap<string, string>>();
