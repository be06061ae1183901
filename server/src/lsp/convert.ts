// The one module that converts between the core's types (paths, UTF-16 offsets, findings) and
// LSP's (URIs, line/character positions, diagnostics, workspace edits).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CodeAction, CodeActionKind, Diagnostic, DiagnosticSeverity, Range, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { FileEdit } from '../fixes/types';
import { ruleDocAnchor, type Finding, type FixRequest, type Severity } from '../rules/types';
import { LineIndex, TextRange } from '../text';

export const DIAGNOSTIC_SOURCE = 'nix-vfio';

/** What a diagnostic carries back to the server when the client asks for its code actions. */
export interface DiagnosticData {
  root: string;
  fix?: FixRequest;
  moreFixes?: FixRequest[];
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export function toRange(lines: LineIndex, range: TextRange): Range {
  return { start: lines.positionAt(range.start), end: lines.positionAt(range.end) };
}

export function toOffsets(lines: LineIndex, range: Range): TextRange {
  return { start: lines.offsetAt(range.start), end: lines.offsetAt(range.end) };
}

export function toSeverity(severity: Severity): DiagnosticSeverity {
  return SEVERITIES[severity];
}

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** docs/rules.md ships inside the extension, one folder up from the bundled server. */
const RULES_DOC = join(__dirname, '..', 'docs', 'rules.md');

export function toDiagnostic(finding: Finding, lines: LineIndex, root: string): Diagnostic {
  const data: DiagnosticData = { root, fix: finding.fix, moreFixes: finding.moreFixes };
  return {
    range: toRange(lines, finding.range),
    severity: SEVERITIES[finding.severity],
    code: finding.code,
    codeDescription: { href: `${pathToUri(RULES_DOC)}#${ruleDocAnchor(finding.code)}` },
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data,
  };
}

/**
 * The core's edits as one workspace edit. With `versionOf` (the client takes `documentChanges`),
 * each file's edits are a `TextDocumentEdit` naming the version they were computed on (null for a
 * file not open), so a client rejects them once the text has moved on; else plain `changes`.
 */
export function toWorkspaceEdit(
  edits: readonly FileEdit[],
  linesOf: (file: string) => LineIndex,
  uriOf: (file: string) => string,
  versionOf?: (file: string) => number | null,
): WorkspaceEdit {
  const byFile = new Map<string, TextEdit[]>();
  for (const edit of edits) {
    let list = byFile.get(edit.file);
    if (!list) byFile.set(edit.file, (list = []));
    list.push({ range: toRange(linesOf(edit.file), edit.range), newText: edit.newText });
  }
  if (versionOf) return { documentChanges: [...byFile].map(([file, list]) => TextDocumentEdit.create({ uri: uriOf(file), version: versionOf(file) }, list)) };
  const changes: Record<string, TextEdit[]> = {};
  for (const [file, list] of byFile) changes[uriOf(file)] = list;
  return { changes };
}

export function toQuickFix(title: string, diagnostic: Diagnostic, edit: WorkspaceEdit, preferred = true): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit, isPreferred: preferred };
}
