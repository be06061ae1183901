// What a rule is and what it reports. Rules are pure: (option model, hardware snapshot,
// settings) → findings. They never read files or talk to the editor.
import type { FixRequest } from '../fixes/types';
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView, OptionModel } from '../model/optionModel';
import type { TextRange } from '../text';

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
}

export { compareReleases, CURRENT_NIXOS_RELEASE } from '../vfio/nixosRelease';

export interface RuleContext {
  model: OptionModel;
  /** The base configuration first, then one view per specialisation. */
  views: readonly ConfigView[];
  /** Undefined when no hardware is known; rules that need it stay silent. */
  hardware?: HardwareSnapshot;
  settings: AnalysisSettings;
}

export interface Rule {
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
  check(context: RuleContext): Finding[];
}

/** The anchor of a code's section in docs/rules.md (GitHub's and VS Code's slug of its `### \`code\`` heading). */
export function ruleDocAnchor(code: string): string {
  return code;
}

/** One fix made of several (their edits must not overlap), e.g. initrd modules and a softdep. */
export function allOf(title: string, steps: FixRequest[]): FixRequest {
  return { fix: 'all-of', title, args: { steps } };
}
