// What the server has published and to which files: diagnostics per file gathered from every
// analysis (root) that reads the file, the problems of a broken snapshot file in that file, the
// "file too large" message, and the status notification (sent when it changes). Which roots
// report to a file is remembered, so a file a root stops reading is cleared or re-published.
import { Connection, Diagnostic } from 'vscode-languageserver';
import { Analysis } from '../analysis/analyze';
import { SERVER_FINDINGS, SERVER_MESSAGES } from '../analysis/catalogue';
import { locateJsonPath } from '../hardware/jsonLocate';
import { HardwareInUse } from '../host/hardwareSources';
import { LineIndex } from '../text';
import { STATUS_NOTIFICATION, StatusParams } from '../../../shared/protocol';
import { DIAGNOSTIC_SOURCE, pathToUri, toDiagnostic, toRange, toSeverity } from './convert';
import { MAX_DOCUMENT_LENGTH, OpenDocument } from './documents';

/** What the publisher reads of the server's state. */
export interface PublishedState {
  analysis(root: string): Analysis | undefined;
  /** Line index of `file` as `analysis` read it. */
  linesOf(file: string, analysis: Analysis): LineIndex;
  /** The open document holding `path`. */
  documentAt(path: string): OpenDocument | undefined;
  /** The version of `path`'s text the analysis of `root` read (undefined: a file on disk). */
  versionRead(root: string, path: string): number | undefined;
}

export class Publisher {
  /** Files (paths) that had diagnostics published, with the roots that reported them. */
  private readonly published = new Map<string, Set<string>>();
  private readonly brokenSnapshots = new Set<string>();
  private readonly lastStatus = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly state: PublishedState,
  ) {}

  /** The findings of every root reading each file `root` reads or reported to before. */
  publish(root: string, analysis: Analysis, hardwareProblem: string | undefined): void {
    const files = new Set<string>([...analysis.model.files.keys()]);
    for (const [file, roots] of this.published) if (roots.has(root)) files.add(file);
    for (const file of files) {
      const reporting = this.published.get(file) ?? new Set<string>();
      if (analysis.model.files.has(file)) reporting.add(root);
      else reporting.delete(root);
      this.published.set(file, reporting);
      const diagnostics: Diagnostic[] = [];
      for (const reportingRoot of reporting) {
        const rootAnalysis = this.state.analysis(reportingRoot);
        if (!rootAnalysis) continue;
        const lines = this.state.linesOf(file, rootAnalysis);
        for (const finding of rootAnalysis.findings) {
          if (finding.file === file) diagnostics.push(toDiagnostic(finding, lines, reportingRoot));
        }
      }
      if (file === analysis.model.root && hardwareProblem) {
        diagnostics.push({
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: toSeverity(SERVER_FINDINGS.snapshotUnusable.severity),
          source: DIAGNOSTIC_SOURCE,
          code: SERVER_FINDINGS.snapshotUnusable.code,
          message: hardwareProblem,
        });
      }
      const document = this.state.documentAt(file);
      // The version the findings were computed on, which is the document's (an analysis overtaken by a change is not published).
      const version = document ? (this.state.versionRead(root, file) ?? document.version) : undefined;
      void this.connection.sendDiagnostics({ uri: document?.uri ?? pathToUri(file), version, diagnostics: dedupe(diagnostics) });
    }
  }

  /** A snapshot file that failed validation gets its problems as diagnostics, where they are written. */
  snapshotProblems(hardware: HardwareInUse): void {
    const uri = pathToUri(hardware.source);
    if (!hardware.brokenFile) {
      if (this.brokenSnapshots.delete(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    const { text, problems } = hardware.brokenFile;
    const lines = new LineIndex(text);
    this.brokenSnapshots.add(uri);
    void this.connection.sendDiagnostics({
      uri,
      diagnostics: problems.map((problem) => ({
        range: toRange(
          lines,
          problem.offset !== undefined ? { start: problem.offset, end: problem.offset } : (locateJsonPath(text, problem.path) ?? { start: 0, end: 0 }),
        ),
        severity: toSeverity(SERVER_FINDINGS.snapshotInvalid.severity),
        source: DIAGNOSTIC_SOURCE,
        code: SERVER_FINDINGS.snapshotInvalid.code,
        message: SERVER_MESSAGES.snapshotInvalid(problem.path, problem.message),
      })),
    });
  }

  tooLarge(document: OpenDocument): void {
    void this.connection.sendDiagnostics({
      uri: document.uri,
      version: document.version,
      diagnostics: [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: toSeverity(SERVER_FINDINGS.fileTooLarge.severity),
          source: DIAGNOSTIC_SOURCE,
          code: SERVER_FINDINGS.fileTooLarge.code,
          message: SERVER_MESSAGES.fileTooLarge(MAX_DOCUMENT_LENGTH / 1024),
        },
      ],
    });
  }

  /** Sent when it changes, not on every keystroke. */
  status(root: string, status: StatusParams): void {
    const key = JSON.stringify(status);
    if (this.lastStatus.get(root) === key) return;
    this.lastStatus.set(root, key);
    void this.connection.sendNotification(STATUS_NOTIFICATION, status);
  }

  /**
   * `root` is gone: it stops reporting to every file. Files no root reports to any more are
   * cleared, except `keep` (open documents about to be analysed again, whose next publication
   * replaces what they show).
   */
  forgetRoot(root: string, keep: (file: string) => boolean = () => false): void {
    this.lastStatus.delete(root);
    for (const [file, roots] of this.published) {
      if (!roots.delete(root) || roots.size > 0 || keep(file)) continue;
      this.published.delete(file);
      void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
    }
  }

  /** A file closed that no root reads any more: its diagnostics are cleared. */
  clearFile(file: string): void {
    this.published.delete(file);
    void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = JSON.stringify([diagnostic.code, diagnostic.range, diagnostic.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
