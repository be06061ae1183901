// Mistakes the Nix evaluator or the module system rejects, read from the text alone: a string or
// set joined to a list with `++`, `lib.optional` given a third argument, `lib.optionals` given a
// set, an option beside a top-level `config`/`options`. Reported with the error Nix gives.
import type { Value } from '../model/values';
import { Finding, Rule } from './types';

export const NIX_EVALUATION_ERROR = 'nix-evaluation-error';

/** The values Nix refuses inside `value` (list items included). */
function typeErrors(value: Value, found: Extract<Value, { kind: 'unknown' }>[] = []): Extract<Value, { kind: 'unknown' }>[] {
  if (value.kind === 'unknown' && value.typeError) found.push(value);
  if (value.kind === 'list') for (const item of value.items) typeErrors(item.value, found);
  return found;
}

export const nixEvaluationError: Rule = {
  code: NIX_EVALUATION_ERROR,
  severity: 'error',
  otherSeverities: ['warning'],
  needsHardware: false,
  acrossViews: true,
  title: 'Evaluation fails: a type or module-shape error',
  check({ model }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const push = (file: string, range: Value['range'], message: string, certain: boolean, where: string) => {
      const key = `${file}:${range.start}:${range.end}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({
        code: NIX_EVALUATION_ERROR,
        severity: certain ? 'error' : 'warning',
        message: `${certain ? 'Evaluation fails' : 'Evaluation fails when the condition holds'}${where}: ${message}.`,
        file,
        range,
      });
    };
    // Errors are in the text, whichever configuration reads it: each definition once.
    for (const definition of model.definitions) {
      for (const error of typeErrors(definition.value))
        push(definition.file, error.range, error.typeError!.message, error.typeError!.certain, ` in ${definition.path.join('.')}`);
    }
    for (const region of model.unread) if (region.moduleError) push(region.file, region.range, region.moduleError, true, '');
    return findings;
  },
};
