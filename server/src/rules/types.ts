// What a rule is and what it reports. Rules are pure: (option model, hardware snapshot,
// settings) → findings. They never read files or talk to the editor.
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView, OptionModel } from '../model/optionModel';
import type { TextRange } from '../text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** Asks the fix registry for one fix; `args` are semantic (what to change), never offsets, so a fix recomputed on edited text stays right. */
export interface FixRequest {
  fix: string;
  title: string;
  args: Record<string, string | undefined>;
}

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

/** The current stable NixOS release: the default target. */
export const CURRENT_NIXOS_RELEASE = '25.11';

/** Compares `YY.MM` releases: negative when a is older than b. */
export function compareReleases(a: string, b: string): number {
  const [aYear, aMonth] = a.split('.').map(Number);
  const [bYear, bMonth] = b.split('.').map(Number);
  return aYear - bYear || aMonth - bMonth;
}

export interface RuleContext {
  model: OptionModel;
  /** The base configuration first, then one view per specialisation. */
  views: readonly ConfigView[];
  /** Undefined when no hardware is known; rules that need it stay silent. */
  hardware?: HardwareSnapshot;
  settings: AnalysisSettings;
}

export interface Rule {
  code: string;
  /** The severity its findings have unless a finding says otherwise. */
  severity: Severity;
  /** One line for docs and settings. */
  title: string;
  check(context: RuleContext): Finding[];
}

/** One fix made of several (their edits must not overlap), e.g. initrd modules and a softdep. */
export function allOf(title: string, steps: FixRequest[]): FixRequest {
  return { fix: 'all-of', title, args: { steps: JSON.stringify(steps) } };
}
