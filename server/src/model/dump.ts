// A stable, readable text form of an option model: used by the model's golden tests and by
// `nix-vfio check --dump-model` when a user wants to see what the checker read.
import { relative } from 'node:path';
import { LineIndex } from '../text';
import { OptionModel, pathKey } from './optionModel';
import type { OptionValue } from './userOptions';
import { describeValue } from './values';

export function dumpModel(model: OptionModel, baseDir: string): string {
  const lines: string[] = [];
  const indexes = new Map<string, LineIndex>();
  const where = (file: string, offset: number): string => {
    let index = indexes.get(file);
    if (!index) {
      index = new LineIndex(model.files.get(file)?.text ?? '');
      indexes.set(file, index);
    }
    const position = index.positionAt(offset);
    return `${relative(baseDir, file)}:${position.line + 1}:${position.character + 1}`;
  };
  for (const definition of model.definitions) {
    const tags = [
      ...(definition.specialisation !== undefined ? [`specialisation=${definition.specialisation}`] : []),
      ...definition.conditions.map((condition) => `if ${condition}`),
      ...definition.modifiers,
    ];
    lines.push(
      `${where(definition.file, definition.value.range.start)} ${pathKey(definition.path)}${tags.length ? ` [${tags.join('; ')}]` : ''} = ${describeValue(definition.value)}`,
    );
  }
  for (const declaration of model.declarations ?? []) {
    const key = pathKey(declaration.path);
    const describe = (known: OptionValue | undefined) =>
      known
        ? `${describeValue(known.value)} (${known.from === 'default' ? 'default' : `set at ${where(known.file, known.value.range.start)}`}${known.applyIn ? ', through apply' : ''})`
        : `<? ${declaration.default ? 'not known' : 'no default, not known'}>`;
    const base = model.optionValues?.get(key);
    lines.push(`${where(declaration.file, declaration.range.start)} option ${key} = ${describe(base)}`);
    // A specialisation's own value, where it is not the base's.
    for (const [name, values] of model.specialisationOptionValues ?? []) {
      if (values.get(key) !== base)
        lines.push(`${where(declaration.file, declaration.range.start)} option ${key} [specialisation=${name}] = ${describe(values.get(key))}`);
    }
  }
  for (const region of model.unread) {
    lines.push(`${where(region.file, region.range.start)} unread ${pathKey(region.prefix) || '<module>'}: ${region.reason}`);
  }
  for (const record of model.imports) {
    const what = record.target
      ? relative(baseDir, record.target)
      : record.external
        ? `nixpkgs module ${record.external}`
        : record.absent
          ? 'skipped: no such file'
          : `failed: ${record.problem}`;
    const tags = record.conditions?.length ? ` [${record.conditions.map((condition) => `if ${condition}`).join('; ')}]` : '';
    lines.push(`${where(record.file, record.range.start)} import${tags} ${what}`);
  }
  for (const file of model.files.values()) {
    for (const error of file.syntaxErrors) lines.push(`${where(file.path, error.start)} syntax: ${error.message}`);
  }
  return lines.join('\n') + '\n';
}
