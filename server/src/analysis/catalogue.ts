// Every code a user can see, from one place: the rules (their metadata) and the findings the
// language server makes itself. Docs, the `nixVfio.rules.disabled` setting, the CLI's
// `--disable` and diagnostics' links are generated from or tested against this list.
import { RULES } from '../rules/registry';
import { ruleDocAnchor, Severity } from '../rules/types';

export interface ServerFindingKind {
  code: string;
  severity: Severity;
  title: string;
}

/** Findings the language server makes outside the rules (they cannot be switched off: they say why nothing else is reported). */
export const SERVER_FINDINGS = {
  fileTooLarge: { code: 'file-too-large', severity: 'info', title: 'A file too large to check' },
  fileTooComplex: { code: 'file-too-complex', severity: 'info', title: 'A file too complex to check fully in the time allowed' },
  modelDepthLimit: { code: 'model-depth-limit', severity: 'info', title: 'Nested too deeply: the checker stops reading here' },
  snapshotUnusable: { code: 'hardware-snapshot-unusable', severity: 'warning', title: 'No hardware to check against: the snapshot or the scan failed' },
  snapshotInvalid: { code: 'hardware-snapshot-invalid', severity: 'error', title: 'A problem in a hardware snapshot file, where it is written' },
} as const satisfies Record<string, ServerFindingKind>;

/** The messages of the server's own findings. */
export const SERVER_MESSAGES = {
  fileTooLarge: (limitKib: number) => `This file is larger than ${limitKib} KiB; Nix VFIO does not check it.`,
  fileNotParsed: (reason: string) => `Nix VFIO does not check this file: ${reason}.`,
  fileTooComplex: (seconds: number) =>
    `This file is too complex to check fully within ${seconds} s; findings shown come from what was checked, and "missing" checks are left out.`,
  modelDepthLimit: (option: string | undefined) =>
    `Nix VFIO stops reading ${option ? `${option} ` : ''}here: it is nested too deeply (more levels of mkIf, mkMerge, let, with, ++ or parentheses than the checker follows). ` +
    'What is written inside is not checked, and nothing is reported missing that it might set.',
  snapshotInvalid: (path: string, problem: string) => `${path || 'snapshot'}: ${problem}`,
};

export interface CatalogueEntry {
  code: string;
  severity: Severity;
  otherSeverities: readonly Severity[];
  title: string;
  needsHardware: boolean;
  docAnchor: string;
  /** Rules can be switched off (setting, CLI, comment); the server's own findings cannot. */
  madeBy: 'rule' | 'server';
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  ...RULES.map((rule): CatalogueEntry => ({
    code: rule.code,
    severity: rule.severity,
    otherSeverities: rule.otherSeverities ?? [],
    title: rule.title,
    needsHardware: rule.needsHardware,
    docAnchor: ruleDocAnchor(rule.code),
    madeBy: 'rule',
  })),
  ...Object.values(SERVER_FINDINGS).map((kind): CatalogueEntry => ({
    ...kind,
    otherSeverities: [],
    needsHardware: false,
    docAnchor: ruleDocAnchor(kind.code),
    madeBy: 'server',
  })),
];

/** The codes `--disable` and `nixVfio.rules.disabled` accept. */
export const RULE_CODES: readonly string[] = RULES.map((rule) => rule.code);

export function catalogueEntry(code: string): CatalogueEntry | undefined {
  return CATALOGUE.find((entry) => entry.code === code);
}
