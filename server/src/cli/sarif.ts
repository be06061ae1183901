// SARIF 2.1.0 output of `nix-vfio check --format sarif`, for code-scanning services: one run,
// the rules that reported, each result with its place (UTF-16 columns, as the core counts) and host.
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../rules/registry';
import type { Severity } from '../rules/types';

export interface LocatedResult {
  code: string;
  severity: Severity;
  message: string;
  /** Absolute path. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  host?: string;
  /** The preferred fix's title (JSON output). */
  fix?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(results: readonly LocatedResult[], baseFolder: string): object {
  const codes = [...new Set(results.map((result) => result.code))].sort();
  const rules = codes.map((code) => {
    const rule = RULES.find((candidate) => candidate.code === code);
    return {
      id: code,
      ...(rule ? { shortDescription: { text: rule.title }, defaultConfiguration: { level: LEVEL[rule.severity] } } : {}),
    };
  });
  const base = pathToFileURL(baseFolder.endsWith(sep) ? baseFolder : baseFolder + sep).href;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'nix-vfio', rules } },
        originalUriBaseIds: { SRCROOT: { uri: base } },
        columnKind: 'utf16CodeUnits',
        results: results.map((result) => {
          const inside = relative(baseFolder, result.file);
          const artifactLocation =
            inside && !inside.startsWith('..') && !isAbsolute(inside)
              ? { uri: inside.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' }
              : { uri: pathToFileURL(result.file).href };
          return {
            ruleId: result.code,
            ruleIndex: codes.indexOf(result.code),
            level: LEVEL[result.severity],
            message: { text: result.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation,
                  region: { startLine: result.line, startColumn: result.column, endLine: result.endLine, endColumn: result.endColumn },
                },
              },
            ],
            ...(result.host !== undefined ? { properties: { host: result.host } } : {}),
          };
        }),
      },
    ],
  };
}
