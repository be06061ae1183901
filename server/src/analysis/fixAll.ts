// "Apply every preferred fix" (the CLI's `check --fix`, like `eslint --fix`): one finding's
// preferred fix at a time, the configuration read and checked again after each, so a fix sees what
// the previous ones did. A fix whose result does not parse, or that would write into a generated
// hardware-configuration.nix, is not applied; nothing is written here (the caller decides).
import { HardwareSnapshot } from '../hardware/snapshot';
import { fixEdits } from '../fixes/registry';
import { FileEdit } from '../fixes/types';
import { isGeneratedHardwareFile } from '../fixes/placement';
import { OptionModel } from '../model/optionModel';
import { SyntaxTree, syntaxErrors } from '../parse/nixParser';
import { AnalysisSettings, Finding } from '../rules/types';
import { applyEdits } from '../text';
import { Analysis, runRules } from './analyze';

export interface AppliedFix {
  code: string;
  title: string;
  files: string[];
}

export interface SkippedFix {
  code: string;
  title: string;
  reason: string;
}

export interface FixAllResult {
  /** The new text of every file that changed. */
  changed: Map<string, string>;
  /** The original text of those files. */
  original: Map<string, string>;
  applied: AppliedFix[];
  skipped: SkippedFix[];
  /** The analysis of the fixed configuration. */
  analysis: Analysis;
}

/** Each fix is tried once per finding place; far more than any configuration needs. */
const MAX_ROUNDS = 200;

export function fixAll(
  model: OptionModel,
  rebuild: (texts: ReadonlyMap<string, string>) => OptionModel,
  hardware: HardwareSnapshot | undefined,
  settings: AnalysisSettings,
  parse: (text: string) => SyntaxTree,
): FixAllResult {
  const texts = new Map<string, string>();
  const original = new Map<string, string>();
  const applied: AppliedFix[] = [];
  const skipped: SkippedFix[] = [];
  const tried = new Set<string>();
  let analysis = runRules(model, hardware, settings);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = nextFix(analysis.findings, tried);
    if (!next) break;
    const { finding, key } = next;
    tried.add(key);
    const fix = finding.fix!;
    let edits: FileEdit[];
    try {
      edits = fixEdits(analysis.model, fix);
    } catch (error) {
      skipped.push({ code: finding.code, title: fix.title, reason: `the fix failed: ${(error as Error).message}` });
      continue;
    }
    if (edits.length === 0) continue;
    const files = [...new Set(edits.map((edit) => edit.file))];
    const generated = files.find((file) => isGeneratedHardwareFile(analysis.model.files.get(file)?.text ?? ''));
    if (generated) {
      skipped.push({ code: finding.code, title: fix.title, reason: `it would edit ${generated}, which nixos-generate-config writes` });
      continue;
    }
    const results = new Map<string, string>();
    for (const file of files) {
      const before = analysis.model.files.get(file)?.text ?? '';
      results.set(
        file,
        applyEdits(
          before,
          edits.filter((edit) => edit.file === file),
        ),
      );
    }
    const broken = [...results].find(([, text]) => {
      const tree = parse(text);
      try {
        return syntaxErrors(tree.rootNode, 1).length > 0;
      } finally {
        tree.delete();
      }
    });
    if (broken) {
      skipped.push({ code: finding.code, title: fix.title, reason: `the result in ${broken[0]} would not parse` });
      continue;
    }
    for (const [file, text] of results) {
      if (!original.has(file)) original.set(file, analysis.model.files.get(file)?.text ?? '');
      texts.set(file, text);
    }
    applied.push({ code: finding.code, title: fix.title, files });
    analysis = runRules(rebuild(texts), hardware, settings);
  }
  const changed = new Map([...texts].filter(([file, text]) => original.get(file) !== text));
  return { changed, original: new Map([...original].filter(([file]) => changed.has(file))), applied, skipped, analysis };
}

/** The first finding (by file and place) with a preferred fix not yet tried there. */
function nextFix(findings: readonly Finding[], tried: ReadonlySet<string>): { finding: Finding; key: string } | undefined {
  const ordered = [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.range.start - b.range.start || a.code.localeCompare(b.code));
  for (const finding of ordered) {
    if (!finding.fix) continue;
    const key = `${finding.code}\u0000${finding.file}\u0000${finding.message}\u0000${JSON.stringify(finding.fix)}`;
    if (!tried.has(key)) return { finding, key };
  }
  return undefined;
}
