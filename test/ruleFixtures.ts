// Loading the rule fixtures. Each rule has a folder, fixtures/rules/<code>/<scenario>/; scenarios
// about several rules are in fixtures/rules/_shared/<scenario>/ with a `rules` file naming them,
// one code a line. A scenario holds configuration.nix (and what it imports), optionally `machine`
// (the name of a snapshot in fixtures/machines) and settings.json, and expected.txt: every finding
// as `file:line:col severity code: message`, each offered fix below it as `  fix: title`
// (UPDATE_EXPECT=1 rewrites it; review the diff).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Analysis, DEFAULT_SETTINGS, runRules } from '../server/src/analysis/analyze';
import { AnalysisSettings, fixesOf } from '../server/src/rules/types';
import { HardwareSnapshot, parseSnapshot } from '../server/src/hardware/snapshot';
import { buildModel, SourceLoader } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { NixParser } from '../server/src/parse/nixParser';
import { LineIndex } from '../server/src/text';
import { FIXTURES } from './helpers';

export const RULE_FIXTURES = join(FIXTURES, 'rules');
/** The folder of scenarios about several rules. */
export const SHARED_SCENARIOS = '_shared';

export interface RuleCase {
  /** `<code>/<scenario>` or `_shared/<scenario>`. */
  name: string;
  scenario: string;
  dir: string;
  root: string;
  /** The rule codes the scenario is about: its folder's, or those its `rules` file lists. */
  about: string[];
  hardware?: HardwareSnapshot;
  /** The lines of expected.txt (empty when the file is missing: the test then fails unless updating). */
  expected: string[];
  /** From an optional settings.json: e.g. rules switched off to keep a fixture about one thing. */
  settings: AnalysisSettings;
}

export function loadMachine(name: string): HardwareSnapshot {
  const result = parseSnapshot(readFileSync(join(FIXTURES, 'machines', `${name}.json`), 'utf8'));
  if (!result.ok) throw new Error(`fixture machine ${name}: ${JSON.stringify(result.problems)}`);
  return result.snapshot;
}

const subfolders = (dir: string) =>
  readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();

export function ruleCases(): RuleCase[] {
  return subfolders(RULE_FIXTURES).flatMap((group) =>
    subfolders(join(RULE_FIXTURES, group)).map((scenario): RuleCase => {
      const dir = join(RULE_FIXTURES, group, scenario);
      const machineFile = join(dir, 'machine');
      const rulesFile = join(dir, 'rules');
      const expectedFile = join(dir, 'expected.txt');
      return {
        name: `${group}/${scenario}`,
        scenario,
        dir,
        root: join(dir, 'configuration.nix'),
        about:
          group === SHARED_SCENARIOS
            ? existsSync(rulesFile)
              ? readFileSync(rulesFile, 'utf8')
                  .split('\n')
                  .map((line) => line.trim())
                  .filter(Boolean)
              : []
            : [group],
        hardware: existsSync(machineFile) ? loadMachine(readFileSync(machineFile, 'utf8').trim()) : undefined,
        expected: existsSync(expectedFile)
          ? readFileSync(expectedFile, 'utf8')
              .split('\n')
              .filter((line) => line.trim() !== '')
          : [],
        settings: { ...DEFAULT_SETTINGS, ...(existsSync(join(dir, 'settings.json')) ? JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) : {}) },
      };
    }),
  );
}

/** The folder of a scenario, wherever its rule's folder is (for tests that borrow a fixture). */
export function scenarioDir(scenario: string): string {
  const found = ruleCases().filter((testCase) => testCase.scenario === scenario);
  if (found.length !== 1) throw new Error(`${found.length} rule fixtures named ${scenario}`);
  return found[0]!.dir;
}

export function analyzeCase(testCase: RuleCase, parser: NixParser, loader: SourceLoader = diskLoader(parser)): Analysis {
  return runRules(buildModel(testCase.root, loader), testCase.hardware, testCase.settings);
}

/** Findings as `file:line:col severity code: message` (files relative to the case folder), sorted, each followed by its fixes' titles. */
export function findingLines(analysis: Analysis, dir: string): string[] {
  return analysis.findings
    .map((finding) => {
      const position = new LineIndex(analysis.model.files.get(finding.file)?.text ?? '').positionAt(finding.range.start);
      const head = `${relative(dir, finding.file)}:${position.line + 1}:${position.character + 1} ${finding.severity} ${finding.code}: ${oneLine(finding.message)}`;
      return {
        position: [relative(dir, finding.file), position.line, position.character] as const,
        head,
        fixes: fixesOf(finding).map((fix) => `  fix: ${oneLine(fix.title)}`),
      };
    })
    .sort(
      (a, b) => a.position[0].localeCompare(b.position[0]) || a.position[1] - b.position[1] || a.position[2] - b.position[2] || a.head.localeCompare(b.head),
    )
    .flatMap((entry) => [entry.head, ...entry.fixes]);
}

/** The codes of the findings an expected.txt lists. */
export function expectedCodes(expected: readonly string[]): string[] {
  return expected.filter((line) => !line.startsWith(' ')).map((line) => /^\S+ \S+ ([a-z0-9-]+):/.exec(line)?.[1] ?? '');
}

const oneLine = (text: string) => text.replace(/\r?\n/g, '\\n');
