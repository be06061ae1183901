// Loading the rule fixtures: fixtures/rules/<case>/ holds configuration.nix (and what it imports),
// optionally `machine` (the name of a snapshot in fixtures/machines) and expected.txt, one finding
// per line as `file:line:col severity code`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Analysis, DEFAULT_SETTINGS, runRules } from '../server/src/analysis/analyze';
import { AnalysisSettings } from '../server/src/rules/types';
import { HardwareSnapshot, parseSnapshot } from '../server/src/hardware/snapshot';
import { buildModel, SourceLoader } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { NixParser } from '../server/src/parse/nixParser';
import { LineIndex } from '../server/src/text';
import { FIXTURES } from './helpers';

export const RULE_FIXTURES = join(FIXTURES, 'rules');

export interface RuleCase {
  name: string;
  dir: string;
  root: string;
  hardware?: HardwareSnapshot;
  expected: string[];
  /** From an optional settings.json: e.g. rules switched off to keep a fixture about one thing. */
  settings: AnalysisSettings;
}

export function loadMachine(name: string): HardwareSnapshot {
  const result = parseSnapshot(readFileSync(join(FIXTURES, 'machines', `${name}.json`), 'utf8'));
  if (!result.ok) throw new Error(`fixture machine ${name}: ${JSON.stringify(result.problems)}`);
  return result.snapshot;
}

export function ruleCases(): RuleCase[] {
  return readdirSync(RULE_FIXTURES)
    .sort()
    .map((name) => {
      const dir = join(RULE_FIXTURES, name);
      const machineFile = join(dir, 'machine');
      return {
        name,
        dir,
        root: join(dir, 'configuration.nix'),
        hardware: existsSync(machineFile) ? loadMachine(readFileSync(machineFile, 'utf8').trim()) : undefined,
        expected: readFileSync(join(dir, 'expected.txt'), 'utf8').split('\n').filter((line) => line.trim() !== ''),
        settings: { ...DEFAULT_SETTINGS, ...(existsSync(join(dir, 'settings.json')) ? JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) : {}) },
      };
    });
}

export function analyzeCase(testCase: RuleCase, parser: NixParser, loader: SourceLoader = diskLoader(parser)): Analysis {
  return runRules(buildModel(testCase.root, loader), testCase.hardware, testCase.settings);
}

/** Findings as `file:line:col severity code`, sorted, files relative to the case folder. */
export function findingLines(analysis: Analysis, dir: string): string[] {
  return analysis.findings
    .map((finding) => {
      const position = new LineIndex(analysis.model.files.get(finding.file)?.text ?? '').positionAt(finding.range.start);
      return `${relative(dir, finding.file)}:${position.line + 1}:${position.character + 1} ${finding.severity} ${finding.code}`;
    })
    .sort();
}
