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
}

export interface AnalysisSettings {
  /** Rule codes the user switched off. */
  disabledRules: readonly string[];
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
