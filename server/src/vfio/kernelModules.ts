// Reading kernel module lists, in list form or the attribute-set form newer NixOS accepts.
import type { ConfigView, Definition } from '../model/optionModel';
import { knownText } from '../model/values';
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

export function kernelModules(view: ConfigView, options: readonly (typeof MODULE_OPTIONS)[number][] = MODULE_OPTIONS): ModuleEntry[] {
  const entries: ModuleEntry[] = [];
  for (const option of options) {
    const depth = option.split('.').length;
    for (const definition of view.definitionsUnder(option)) {
      if (definition.path.length === depth && definition.value.kind === 'list') {
        for (const item of definition.value.items) {
          const text = knownText(item.value);
          if (text !== undefined) entries.push({ name: normaliseModuleName(text), option, range: item.range, definition });
        }
      } else if (definition.path.length === depth + 1 && definition.value.kind === 'bool' && definition.value.value) {
        // `boot.kernelModules = { vfio_pci = true; }`: a module is loaded when its name is true.
        entries.push({ name: normaliseModuleName(definition.path[depth]!), option, range: definition.bindingRange, definition });
      }
    }
  }
  return entries;
}

/**
 * Blacklisted module names (normalised) with their spelling. Each item becomes a line
 * `blacklist <item>` in /etc/modprobe.d/nixos.conf, and kmod reads one name after `blacklist`:
 * of `"nouveau nvidia"` only nouveau is blacklisted.
 */
export function blacklisted(view: ConfigView): Map<string, string> {
  const names = new Map<string, string>();
  for (const definition of view.definitions('boot.blacklistedKernelModules')) {
    if (definition.value.kind !== 'list') continue;
    for (const item of definition.value.items) {
      const first = knownText(item.value)?.trim().split(/\s+/)[0];
      if (first) names.set(normaliseModuleName(first), first);
    }
  }
  return names;
}
