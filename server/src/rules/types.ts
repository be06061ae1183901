// What a rule is and what it reports. Rules are pure: (option model, hardware snapshot,
// settings) → findings. They never read files or talk to the editor.
import type { FixRequest } from '../fixes/types';
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView, Definition, OptionModel } from '../model/optionModel';
import type { TextRange } from '../text';
import type { MessageTemplates } from './messages';
import type { ReleaseSource } from '../vfio/nixosRelease';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export type { FixRequest } from '../fixes/types';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  range: TextRange;
  fix?: FixRequest;
  /** Other ways out, offered after `fix` (e.g. "keep it as it is" beside "bind by address"). */
  moreFixes?: FixRequest[];
}

/** The finding's fixes, the preferred one first. */
export function fixesOf(finding: Finding): FixRequest[] {
  return [...(finding.fix ? [finding.fix] : []), ...(finding.moreFixes ?? [])];
}

export interface AnalysisSettings {
  /** Rule codes the user switched off. */
  disabledRules: readonly string[];
  /** The NixOS release the configuration targets, `YY.MM` (advice on removed options depends on it). */
  nixosRelease: string;
  /** Where `nixosRelease` comes from; `default` (a guess) turns release-bound errors into hedged warnings. Absent: taken as known. */
  nixosReleaseSource?: ReleaseSource;
}

export { compareReleases, CURRENT_NIXOS_RELEASE, releaseAtLeast, releaseGuessNote } from '../vfio/nixosRelease';

export interface RuleContext {
  model: OptionModel;
  /** The base configuration first, then one view per specialisation. */
  views: readonly ConfigView[];
  /** Undefined when no hardware is known; rules that need it stay silent. */
  hardware?: HardwareSnapshot;
  settings: AnalysisSettings;
}

/** What a per-view rule sees: one configuration (the base, or one specialisation with what it inherits). */
export interface ViewContext {
  model: OptionModel;
  view: ConfigView;
  /** Undefined when no hardware is known; rules that need it stay silent. */
  hardware?: HardwareSnapshot;
  settings: AnalysisSettings;
}

/**
 * A finding of a per-view rule with the definition it is about: the driver keeps it only when the
 * view owns that definition (a specialisation reports its own definitions, the base the rest), so a
 * base definition is reported once, not once per specialisation. `owner: undefined` (a finding
 * about something missing from the view) is always kept.
 */
export interface ViewFinding extends Finding {
  owner: Definition | undefined;
}

interface RuleMeta {
  /** Stable code; its section in docs/rules.md is headed by it (`ruleDocAnchor`). */
  code: string;
  /** The severity of its findings (the analysis reports a finding with another as a rule failure). */
  severity: Severity;
  /** Severities some of its findings have instead, when the same mistake certainly fails in one place and probably in another. */
  otherSeverities?: readonly Severity[];
  /** One line for docs and settings. */
  title: string;
  /** Says nothing without a hardware snapshot: the analysis does not run it then. */
  needsHardware: boolean;
  /** The sentences it says, by name, with `{name}` placeholders (`fill` in messages.ts); every finding's message comes from one (a test checks). */
  messages?: MessageTemplates;
}

/** The usual rule: the driver runs `checkView` on the base configuration and on each specialisation. */
export interface ViewRule extends RuleMeta {
  acrossViews?: false;
  checkView(context: ViewContext): ViewFinding[];
}

/**
 * The explicit opt-out, for rules that must compare views (a specialisation that differs from the
 * base) or look at the model as a whole: `check` runs once and loops the views itself.
 */
export interface CrossViewRule extends RuleMeta {
  acrossViews: true;
  check(context: RuleContext): Finding[];
}

export type Rule = ViewRule | CrossViewRule;

/** Runs a rule the way its shape asks: once per view (keeping what the view owns), or once across views. */
export function checkRule(rule: Rule, context: RuleContext): Finding[] {
  if (rule.acrossViews) return rule.check(context);
  const findings: Finding[] = [];
  for (const view of context.views) {
    for (const { owner, ...finding } of rule.checkView({ model: context.model, view, hardware: context.hardware, settings: context.settings })) {
      if (owner === undefined || view.owns(owner)) findings.push(finding);
    }
  }
  return findings;
}

/** The anchor of a code's section in docs/rules.md (GitHub's and VS Code's slug of its `### \`code\`` heading). */
export function ruleDocAnchor(code: string): string {
  return code;
}

/** One fix made of several (their edits must not overlap), e.g. initrd modules and a softdep. */
export function allOf(title: string, steps: FixRequest[]): FixRequest {
  return { fix: 'all-of', title, args: { steps } };
}
