// Finding vfio-pci ids and slots in the current model for the fixes that edit them.
import { OptionModel } from '../model/optionModel';
import { BindingVia, modelBindings, VfioBinding } from '../vfio/vfioBindings';

/** The model's editable bindings by token, built once per model: each fix of an analysis with many findings looks one token up. */
const exactByToken = new WeakMap<OptionModel, Map<string, VfioBinding[]>>();

function exactBindingsByToken(model: OptionModel): Map<string, VfioBinding[]> {
  let index = exactByToken.get(model);
  if (!index) {
    index = new Map();
    for (const binding of modelBindings(model)) {
      if (!binding.exact) continue;
      const list = index.get(binding.token) ?? [];
      list.push(binding);
      index.set(binding.token, list);
    }
    exactByToken.set(model, index);
  }
  return index;
}

export function exactBindings(model: OptionModel, via: string | undefined, token?: string): VfioBinding[] {
  const candidates = token === undefined ? modelBindings(model).filter((binding) => binding.exact) : (exactBindingsByToken(model).get(token) ?? []);
  return candidates.filter((binding) => via === undefined || binding.via === (via as BindingVia));
}
