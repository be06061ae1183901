// What a command that edits the configuration (pass through a device, a walkthrough step) tells
// the user afterwards: which lines of which files it changed, the edits that take it back, and the
// findings that remain once its edits are in.
import { FileEdit } from '../fixes/types';
import { Finding } from '../rules/types';
import { LineIndex } from '../text';

export interface ChangedLines {
  file: string;
  /** 1-based, in the text after the edit. */
  fromLine: number;
  toLine: number;
}

export interface EditSummary {
  changed: ChangedLines[];
  /** Against the edited texts: puts every changed file back as it was. */
  undo: FileEdit[];
}

/** `edits` were made against `originals` (at most one per file, as applySteps returns them). */
export function summarizeEdits(originals: ReadonlyMap<string, string>, edits: readonly FileEdit[]): EditSummary {
  const changed: ChangedLines[] = [];
  const undo: FileEdit[] = [];
  for (const file of new Set(edits.map((edit) => edit.file))) {
    const before = originals.get(file) ?? '';
    // Applied front to back, each edit moves the ones after it by its change in length.
    let shift = 0;
    let after = '';
    let copied = 0;
    const inFile = edits.filter((edit) => edit.file === file).sort((a, b) => a.range.start - b.range.start);
    const placed: { start: number; end: number; oldText: string }[] = [];
    for (const edit of inFile) {
      after += before.slice(copied, edit.range.start) + edit.newText;
      copied = edit.range.end;
      const start = edit.range.start + shift;
      placed.push({ start, end: start + edit.newText.length, oldText: before.slice(edit.range.start, edit.range.end) });
      shift += edit.newText.length - (edit.range.end - edit.range.start);
    }
    after += before.slice(copied);
    const lines = new LineIndex(after);
    for (const { start, end, oldText } of placed) {
      undo.push({ file, range: { start, end }, newText: oldText });
      // An insertion that ends with its own line break changed the lines before that break.
      const last = end > start && after[end - 1] === '\n' ? end - 1 : end;
      changed.push({ file, fromLine: lines.positionAt(start).line + 1, toLine: lines.positionAt(Math.max(start, last)).line + 1 });
    }
  }
  return { changed, undo };
}

/** "configuration.nix lines 9–12, gpu.nix line 3": the files by their names, as the user sees them in tabs. */
export function describeChanges(changed: readonly ChangedLines[]): string {
  const byFile = new Map<string, string[]>();
  for (const { file, fromLine, toLine } of changed) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    const list = byFile.get(name) ?? [];
    list.push(fromLine === toLine ? `${fromLine}` : `${fromLine}–${toLine}`);
    byFile.set(name, list);
  }
  return [...byFile].map(([name, spans]) => `${name} line${spans.length > 1 || spans[0]!.includes('–') ? 's' : ''} ${spans.join(', ')}`).join('; ');
}

/** The errors and warnings still left in the configuration, worst first, for "what remains". */
export function remainingFindings(findings: readonly Finding[]): Finding[] {
  const serious = findings.filter((finding) => finding.severity === 'error' || finding.severity === 'warning');
  return serious.sort((a, b) => Number(a.severity !== 'error') - Number(b.severity !== 'error'));
}
