// Finding vfio-pci ids and slots in the current model for the fixes that edit them.
import { OptionModel } from '../model/optionModel';
import { BindingVia, modelBindings, VfioBinding } from '../vfio/vfioBindings';

export function exactBindings(model: OptionModel, via: string | undefined, token?: string): VfioBinding[] {
  return modelBindings(model).filter(
    (binding) => binding.exact && (via === undefined || binding.via === (via as BindingVia)) && (token === undefined || binding.token === token),
  );
}
