// The same kernel parameter twice with contradicting values (`intel_iommu=on` and
// `intel_iommu=off`, often one from a guide and one from an old module): the kernel applies every
// occurrence in command-line order, so the last one decides, and NixOS does not promise an order
// between definitions from different modules.
import { basename } from 'node:path';
import { HOLE } from '../model/values';
import { modelPosition, OptionModel } from '../model/optionModel';
import { canonicalParamName, KERNEL_PARAMS, KernelParam, kernelParams } from '../vfio/kernelParams';
import { Finding, Rule } from './types';

export const KERNEL_PARAM_CONFLICT = 'kernel-param-conflict';

const BOOLEAN: Record<string, string> = { '1': 'on', y: 'on', yes: 'on', on: 'on', true: 'on', '0': 'off', n: 'off', no: 'off', off: 'off', false: 'off' };

/**
 * What one occurrence sets, as aspect → state. Options that add up (`intel_iommu=on` then
 * `intel_iommu=igfx_off`) set different aspects and do not conflict; parameters not listed may
 * repeat on purpose (video=, initcall_blacklist=…).
 */
function aspects(name: string, value: string): Map<string, string> | undefined {
  const options = value.split(',');
  const set = new Map<string, string>();
  switch (name) {
    case 'intel_iommu':
      for (const option of options) if (option === 'on' || option === 'off') set.set('enabled', option);
      return set;
    case 'amd_iommu':
      set.set('enabled', options.includes('off') ? 'off' : 'on');
      return set;
    case 'iommu':
      for (const option of options) {
        if (option === 'pt' || option === 'nopt') set.set('passthrough', option === 'pt' ? 'on' : 'off');
        if (option === 'off' || option === 'force') set.set('enabled', option === 'force' ? 'on' : 'off');
      }
      return set;
    case 'iommu.passthrough':
    case 'kvm.ignore_msrs':
      set.set('value', BOOLEAN[value.toLowerCase()] ?? value);
      return set;
    case 'vfio_pci.ids':
    case 'pcie_acs_override':
      set.set('value', value);
      return set;
    default:
      return undefined;
  }
}

interface Entry {
  value: string;
  set: Map<string, string>;
  param: KernelParam;
}

/** The parameters that set an aspect, by canonical name, in command-line order. */
function entriesByName(params: readonly KernelParam[]): Map<string, Entry[]> {
  const byName = new Map<string, Entry[]>();
  for (const param of params) {
    // Conditional items may never apply together.
    if (!param.text || param.text.includes(HOLE) || !param.text.includes('=') || param.item.conditions.length > 0 || param.definition.conditions.length > 0)
      continue;
    const name = canonicalParamName(param.text.slice(0, param.text.indexOf('=')));
    const value = param.text.slice(param.text.indexOf('=') + 1);
    const set = aspects(name, value);
    if (!set) continue;
    const list = byName.get(name) ?? [];
    list.push({ value, set, param });
    byName.set(name, list);
  }
  return byName;
}

/**
 * A specialisation's entries for the names it sets itself (only those can hold a finding of its
 * own), from the base view's entries and its own merged in model order, the names in the order
 * `entriesByName` over the whole view gives them: the base's parameters are not read again.
 */
function withBaseEntries(model: OptionModel, base: Map<string, Entry[]>, own: Map<string, Entry[]>): Map<string, Entry[]> {
  const position = (entry: Entry) => modelPosition(model, entry.param.definition);
  const merged: [string, Entry[]][] = [];
  for (const [name, mine] of own) {
    const inherited = base.get(name) ?? [];
    const entries: Entry[] = [];
    let i = 0;
    let j = 0;
    while (i < inherited.length || j < mine.length) {
      if (j >= mine.length || (i < inherited.length && position(inherited[i]!) < position(mine[j]!))) entries.push(inherited[i++]!);
      else entries.push(mine[j++]!);
    }
    merged.push([name, entries]);
  }
  merged.sort(([, a], [, b]) => position(a[0]!) - position(b[0]!));
  return new Map(merged);
}

export const kernelParamConflict: Rule = {
  code: KERNEL_PARAM_CONFLICT,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'One kernel parameter given twice with contradicting values',
  check({ model, views }) {
    const findings: Finding[] = [];
    let baseEntries: Map<string, Entry[]> | undefined;
    for (const view of views) {
      let byName: Map<string, Entry[]>;
      if (!view.readsOwnOnly) byName = entriesByName(kernelParams(view));
      else {
        // Only its own entries can be a specialisation's findings: without any, nothing more is read.
        const own = entriesByName(kernelParams(view, { owned: true }));
        if (own.size === 0) continue;
        const inherited = view.inheritedEffective(KERNEL_PARAMS);
        if (inherited === 'none') byName = own;
        else if (inherited === 'same' && baseEntries) byName = withBaseEntries(model, baseEntries, own);
        else byName = entriesByName(kernelParams(view));
      }
      if (view.specialisation === undefined) baseEntries = byName;
      for (const entries of byName.values()) {
        // Per aspect: the first entry setting it, and the first one setting it to another state,
        // so the earliest contradicting entry is found without looking back over all of them.
        const firstByAspect = new Map<string, { state: string; index: number; otherIndex?: number }>();
        entries.forEach((entry, index) => {
          let earliest: number | undefined;
          for (const [aspect, state] of entry.set) {
            const first = firstByAspect.get(aspect);
            if (!first) continue;
            const contradicting = first.state !== state ? first.index : first.otherIndex;
            if (contradicting !== undefined && (earliest === undefined || contradicting < earliest)) earliest = contradicting;
          }
          for (const [aspect, state] of entry.set) {
            const first = firstByAspect.get(aspect);
            if (!first) firstByAspect.set(aspect, { state, index });
            else if (first.otherIndex === undefined && first.state !== state) first.otherIndex = index;
          }
          const earlier = earliest === undefined ? undefined : entries[earliest];
          if (!earlier || !view.owns(entry.param.definition)) return;
          const here = entry.param.text!;
          const there = earlier.param.text!;
          findings.push({
            code: KERNEL_PARAM_CONFLICT,
            severity: 'warning',
            message:
              `${here} contradicts ${there}${earlier.param.definition.file === entry.param.definition.file ? '' : ` (in ${basename(earlier.param.definition.file)})`}. ` +
              'The kernel applies both in command-line order, so whichever comes last wins, and NixOS does not promise the order of definitions from different modules: keep one.',
            file: entry.param.definition.file,
            range: entry.param.item.range,
          });
        });
      }
    }
    return findings;
  },
};
