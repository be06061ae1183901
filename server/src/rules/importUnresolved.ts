// An import the checker could not follow: a missing file fails `nixos-rebuild`, and any import
// it cannot read means later "missing setting" checks stay silent.
import { Finding, Rule } from './types';

export const IMPORT_UNRESOLVED = 'import-unresolved';

export const importUnresolved: Rule = {
  code: IMPORT_UNRESOLVED,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'An import that cannot be followed',
  check({ model }) {
    const findings: Finding[] = [];
    for (const record of model.imports) {
      if (record.problem === undefined) continue;
      const written = model.files.get(record.file)?.source.slice(record.range.start, record.range.end) ?? '';
      findings.push({
        code: IMPORT_UNRESOLVED,
        severity: 'warning',
        message: `Cannot follow the import ${written.length > 80 ? written.slice(0, 77) + '…' : written}: ${record.problem}. Checks that look for a missing setting are skipped, since it could be set there.`,
        file: record.file,
        range: record.range,
      });
    }
    return findings;
  },
};
