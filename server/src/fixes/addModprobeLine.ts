// Adds a line (e.g. `softdep nvidia pre: vfio-pci`) to boot.extraModprobeConfig: before the
// closing `''` of an existing indented string, else as a new binding.
import { configView } from '../model/optionModel';
import { knownText } from '../model/values';
import { appendToIndentedString, createBinding } from './listEdits';
import { Fix } from './types';

export const EXTRA_MODPROBE_CONFIG = 'boot.extraModprobeConfig';

export const addModprobeLineFix: Fix<'add-modprobe-line'> = {
  id: 'add-modprobe-line',
  edits(model, { line }) {
    if (!line) return [];
    const definitions = configView(model).definitions(EXTRA_MODPROBE_CONFIG);
    const normalise = (text: string) => text.trim().replace(/\s+/g, ' ');
    // Several lines (one per driver) may come in one request, so they land in one place.
    const wanted = line.split('\n').filter((one) => one.trim() !== '');
    const missing = wanted.filter(
      (one) => !definitions.some((definition) => (knownText(definition.value) ?? '').split('\n').some((existing) => normalise(existing) === normalise(one))),
    );
    if (missing.length === 0) return [];
    const appended = appendToIndentedString(model, definitions, missing);
    if (appended) return [appended];
    if (definitions.length > 0) return []; // set in a form we do not edit (a plain or computed string)
    const binding = createBinding(
      model,
      EXTRA_MODPROBE_CONFIG.split('.'),
      (indent) => `''\n${missing.map((one) => `${indent}  ${one}\n`).join('')}${indent}''`,
    );
    return binding ? [binding] : [];
  },
};
