// Adds `option = value;` where the file's style puts it, when the option is not set anywhere.
import { configView } from '../model/optionModel';
import { createBinding } from './listEdits';
import { Fix } from './types';

/** Values a rule may ask for; fixes write only these, never text from elsewhere. */
const VALUES = new Set(['true', 'false']);

export const addBindingFix: Fix<'add-binding'> = {
  id: 'add-binding',
  edits(model, { option, value }) {
    if (!option || !value || !VALUES.has(value)) return [];
    if (configView(model).definitionsUnder(option).length > 0) return [];
    const binding = createBinding(model, option.split('.'), value);
    return binding ? [binding] : [];
  },
};
