// Quick fixes: each diagnostic of ours carries its fix requests (semantic, never offsets); the
// edits are computed here, on the analysis of the latest text, and sent as versioned document
// edits when the client takes them.
import { CodeAction, CodeActionParams } from 'vscode-languageserver';
import { fixEdits } from '../fixes/registry';
import { DiagnosticData, DIAGNOSTIC_SOURCE, toQuickFix, toWorkspaceEdit } from './convert';
import { AnalysisContext } from './editorFeatures';

/** The quick fixes for the diagnostics in `params`; `contextOf` gives the current analysis of a root. */
export function quickFixes(
  params: CodeActionParams,
  contextOf: (root: string) => AnalysisContext | undefined,
  guard: <T>(what: string, action: () => T) => T | undefined,
): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
    const data = diagnostic.data as DiagnosticData | undefined;
    if (!data?.fix) continue;
    const context = contextOf(data.root);
    if (!context) continue;
    for (const request of [data.fix, ...(data.moreFixes ?? [])]) {
      const edits = guard('codeAction', () => fixEdits(context.analysis.model, request)) ?? [];
      if (edits.length === 0) continue;
      actions.push(toQuickFix(request.title, diagnostic, toWorkspaceEdit(edits, context.lines, context.uriOf, context.versionOf), request === data.fix));
    }
  }
  return actions;
}
