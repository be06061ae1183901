// Adds several string items to a list option at once, skipping those already there.
import { ConfigView } from '../model/optionModel';
import { knownText } from '../model/values';
import { normaliseModuleName } from '../vfio/kernelModules';
import { createBinding, insertIntoList, listTarget, nixString } from './listEdits';
import { Fix } from './types';

export const addListItemsFix: Fix<'add-list-items'> = {
  id: 'add-list-items',
  edits(model, { option, items, modules }) {
    if (!option || !Array.isArray(items)) return [];
    const view = new ConfigView(model);
    // Module names: `vfio-pci` and `vfio_pci` are one module.
    const same = (a: string, b: string) => (modules ? normaliseModuleName(a) === normaliseModuleName(b) : a === b);
    const definitions = view.effectiveDefinitions(option).filter((definition) => definition.value.kind === 'list');
    const present = definitions.flatMap((definition) =>
      definition.value.kind === 'list' ? definition.value.items.map((item) => knownText(item.value) ?? '') : [],
    );
    const missing = items.filter((item) => item && !present.some((existing) => same(existing, item)));
    if (missing.length === 0) return [];
    const target = listTarget(model, view, option);
    if (target && target.value.kind === 'list') {
      const literal = target.value.literals[target.value.literals.length - 1]!;
      return [insertIntoList(model.files.get(target.file)?.text ?? '', target.file, literal, missing.map(nixString))];
    }
    const binding = createBinding(model, option.split('.'), `[ ${missing.map(nixString).join(' ')} ]`);
    return binding ? [binding] : [];
  },
};
