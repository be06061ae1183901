// Finding vfio-pci ids and slots in the current model for the fixes that edit them.
import { configViews, OptionModel } from '../model/optionModel';
import { BindingVia, VfioBinding, vfioBindings } from '../rules/facts/vfioBindings';

/** Every binding of the model (base and specialisations), once each. */
export function allBindings(model: OptionModel): VfioBinding[] {
  const seen = new Map<string, VfioBinding>();
  for (const view of configViews(model)) {
    for (const binding of vfioBindings(view)) seen.set(`${binding.definition.file}:${binding.range.start}:${binding.token}`, binding);
  }
  return [...seen.values()];
}

export function exactBindings(model: OptionModel, via: string | undefined, token?: string): VfioBinding[] {
  return allBindings(model).filter(
    (binding) => binding.exact && (via === undefined || binding.via === (via as BindingVia)) && (token === undefined || binding.token === token),
  );
}
