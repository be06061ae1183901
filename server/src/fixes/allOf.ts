// Several fixes as one (e.g. load vfio in the initrd *and* add a softdep): each computed on the
// same model; their edits must not overlap, which the fix tests check.
import { OptionModel } from '../model/optionModel';
import { FileEdit, Fix, FixRequest } from './types';

/** `run` is the registry's own dispatcher, passed in so this module need not import the registry. */
export function allOfFix(run: (model: OptionModel, request: FixRequest) => FileEdit[]): Fix<'all-of'> {
  return {
    id: 'all-of',
    edits(model, { steps }) {
      if (!Array.isArray(steps)) return [];
      return steps.flatMap((step) => run(model, step));
    },
  };
}
