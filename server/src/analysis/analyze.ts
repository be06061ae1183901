// The core entry point: option model + hardware + settings → findings. No I/O, no LSP.
import type { HardwareSnapshot } from '../hardware/snapshot';
import { fixEdits } from '../fixes/registry';
import { buildModel, SourceLoader } from '../model/buildModel';
import { configViews, OptionModel } from '../model/optionModel';
import { RULES } from '../rules/registry';
import { AnalysisSettings, checkRule, CURRENT_NIXOS_RELEASE, Finding, fixesOf, Rule } from '../rules/types';
import type { FixRequest } from '../fixes/types';
import { isTooComplexProblem } from '../parse/tooComplex';
import { SERVER_FINDINGS, SERVER_MESSAGES } from './catalogue';
import { readSuppressions, Suppressions } from './suppressions';

export const DEFAULT_SETTINGS: AnalysisSettings = { disabledRules: [], nixosRelease: CURRENT_NIXOS_RELEASE };

export interface Analysis {
  model: OptionModel;
  findings: Finding[];
  /** Rules that threw: reported to the log, never to the user as findings. */
  ruleFailures: { code: string; error: string }[];
}

export function runRules(
  model: OptionModel,
  hardware: HardwareSnapshot | undefined,
  settings: AnalysisSettings = DEFAULT_SETTINGS,
  rules: readonly Rule[] = RULES,
): Analysis {
  const steps = ruleSteps(model, hardware, settings, rules, { stop: false });
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** How long one analysis may take in the language server, and how long it may hold the event loop at a time. */
export interface AnalysisBudget {
  /** Time for the whole analysis (model building included, via `spentMs`); past it, the remaining rules are left out. */
  totalMs: number;
  /** The longest run between two yields to the event loop (one rule can still take longer). */
  sliceMs: number;
}

export const ANALYSIS_BUDGET: AnalysisBudget = { totalMs: 6_000, sliceMs: 50 };

/**
 * `runRules` for the language server: yields to the event loop between rules once a slice is
 * used up, so requests about other documents are answered meanwhile; once the budget is spent
 * the rules not yet run are left out and one file-too-complex finding says so (no rule that did
 * not run can report "missing", so what is shown stays true). `spentMs`: what building the model took.
 */
export async function runRulesInSlices(
  model: OptionModel,
  hardware: HardwareSnapshot | undefined,
  settings: AnalysisSettings = DEFAULT_SETTINGS,
  budget: AnalysisBudget = ANALYSIS_BUDGET,
  spentMs = 0,
  rules: readonly Rule[] = RULES,
): Promise<Analysis & { incomplete: boolean }> {
  const control = { stop: false };
  const steps = ruleSteps(model, hardware, settings, rules, control, budget.totalMs);
  let spent = spentMs;
  // Building the model held the event loop: let waiting requests in before the rules run.
  if (spentMs > budget.sliceMs) await new Promise((resolve) => setImmediate(resolve));
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return { ...step.value, incomplete: control.stop };
    const now = performance.now();
    if (spent + (now - sliceStart) > budget.totalMs) control.stop = true;
    else if (now - sliceStart > budget.sliceMs) {
      spent += now - sliceStart;
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** The rules run one by one (a yield after each); with `control.stop` set, the rest are skipped and the result says so. */
function* ruleSteps(
  model: OptionModel,
  hardware: HardwareSnapshot | undefined,
  settings: AnalysisSettings,
  rules: readonly Rule[],
  control: { stop: boolean },
  budgetMs = 0,
): Generator<void, Analysis, void> {
  const context = { model, views: configViews(model), hardware, settings };
  const findings: Finding[] = [];
  const ruleFailures: Analysis['ruleFailures'] = [];
  const suppressions = new Map<string, Suppressions>();
  const suppressionsOf = (file: string) => {
    let entry = suppressions.get(file);
    if (!entry) {
      entry = readSuppressions(model.files.get(file)?.source ?? '');
      suppressions.set(file, entry);
    }
    return entry;
  };
  const seen = new Set<string>();
  // Findings in thousands of specialisations often carry the same request (remove this item
  // from that option): whether it changes anything is worked out once per distinct request.
  const changesSomething = new Map<string, boolean>();
  const offered = (request: FixRequest): boolean => {
    const key = JSON.stringify(request);
    let result = changesSomething.get(key);
    if (result === undefined) changesSomething.set(key, (result = fixEdits(model, request).length > 0));
    return result;
  };
  for (const rule of rules) {
    if (control.stop) break;
    if (settings.disabledRules.includes(rule.code)) continue;
    if (rule.needsHardware && !hardware) continue;
    let ruleFindings: Finding[];
    try {
      ruleFindings = checkRule(rule, context);
    } catch (error) {
      ruleFailures.push({ code: rule.code, error: (error as Error).stack ?? String(error) });
      continue;
    }
    for (const finding of ruleFindings) {
      const misfiled = misfiledFinding(rule, finding);
      if (misfiled) ruleFailures.push({ code: rule.code, error: misfiled });
      const key = `${finding.code}\u0000${finding.file}\u0000${finding.range.start}\u0000${finding.range.end}`;
      if (seen.has(key) || suppressionsOf(finding.file).isSuppressed(finding.code, finding.range.start)) continue;
      seen.add(key);
      // Offer only fixes that would change something on this model.
      const [fix, ...moreFixes] = fixesOf(finding).filter(offered);
      const { fix: _offered, moreFixes: _more, ...rest } = finding;
      findings.push({ ...rest, ...(fix ? { fix } : {}), ...(moreFixes.length > 0 ? { moreFixes } : {}) });
    }
    yield;
  }
  if (control.stop) {
    const kind = SERVER_FINDINGS.fileTooComplex;
    findings.push({
      code: kind.code,
      severity: kind.severity,
      message: SERVER_MESSAGES.fileTooComplex(budgetMs / 1000),
      file: model.root,
      range: { start: 0, end: 0 },
    });
  }
  for (const file of model.files.values()) {
    if (!isTooComplexProblem(file.readProblem)) continue;
    const kind = SERVER_FINDINGS.fileTooComplex;
    findings.push({
      code: kind.code,
      severity: kind.severity,
      message: SERVER_MESSAGES.fileNotParsed(file.readProblem!),
      file: file.path,
      range: { start: 0, end: 0 },
    });
  }
  return { model, findings, ruleFailures };
}

/** Why a finding does not match its rule's catalogue entry (another code, an undeclared severity), if it does not. */
function misfiledFinding(rule: Rule, finding: Finding): string | undefined {
  if (finding.code !== rule.code) return `reported code ${finding.code}`;
  if (finding.severity !== rule.severity && !rule.otherSeverities?.includes(finding.severity)) return `reported severity ${finding.severity}, not declared`;
  return undefined;
}

/** Reads the configuration rooted at `rootPath` (following imports through `load`) and checks it. */
export function analyzeConfiguration(
  rootPath: string,
  load: SourceLoader,
  hardware: HardwareSnapshot | undefined,
  settings: AnalysisSettings = DEFAULT_SETTINGS,
): Analysis {
  return runRules(buildModel(rootPath, load), hardware, settings);
}
