// LSP wiring only: every handler is registered in `listen` and named after the message it
// answers; the work is elsewhere. Open documents: documents.ts. Which roots a file belongs to,
// running and holding their analyses: rootAnalyses.ts (over the host layer, server/src/host).
// When analyses run: analysisScheduler.ts. What is published: publisher.ts. Settings:
// clientSettings.ts. Quick fixes: codeActions.ts. Hover, inlay hints, code lens, completion,
// custom requests and commands: editorFeatures.ts.
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Connection,
  DidChangeConfigurationNotification,
  DidChangeConfigurationParams,
  DidChangeTextDocumentParams,
  DidChangeWatchedFilesNotification,
  DidChangeWatchedFilesParams,
  DidCloseTextDocumentParams,
  DidOpenTextDocumentParams,
  FileChangeType,
  InitializeParams,
  InitializeResult,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { NixParser } from '../parse/nixParser';
import { WorkspaceBoundary } from '../workspaceBoundary';
import { version as SERVER_VERSION } from '../../../package.json';
import { RESCAN_REQUEST, STATUS_NOTIFICATION, StatusParams } from '../../../shared/protocol';
import { AnalysisScheduler } from './analysisScheduler';
import { SettingsSource } from './clientSettings';
import { quickFixes } from './codeActions';
import { DiagnosticData, DIAGNOSTIC_SOURCE, uriToPath } from './convert';
import { OpenDocument, OpenDocuments } from './documents';
import { AnalysisContext, EDITOR_CAPABILITIES, EditorFeatures } from './editorFeatures';
import { Publisher } from './publisher';
import { RootAnalyses } from './rootAnalyses';
import { ServerLog } from './serverLog';

const UNTRUSTED_NO_SCAN = 'Verifying reads this machine, which Nix VFIO does not do in an untrusted workspace. Trust the workspace to verify.';

/** Files the client is asked to watch (when it can take the registration): hardware snapshots and every Nix file. */
export const WATCHED_FILES = ['**/*nix-vfio*.json', '**/*.nix'];

/** How often a request has the analysis redone when it still did not read the latest text (it failed, or was dropped). */
const CURRENT_ANALYSIS_TRIES = 3;

export { RESCAN_REQUEST, STATUS_NOTIFICATION, type StatusParams };

export class NixVfioServer {
  private parser?: NixParser;
  /** The wasm loads while the client and server exchange initialize/didOpen; analysis waits for it. */
  private parserReady?: Promise<void>;
  private readonly log: ServerLog;
  private readonly documents = new OpenDocuments();
  private readonly publisher: Publisher;
  private readonly analyses: RootAnalyses;
  private readonly scheduler: AnalysisScheduler;
  private readonly features: EditorFeatures;
  private settings!: SettingsSource;
  private trusted = true;
  /** Client capabilities: dynamic registration of didChangeConfiguration and of file watchers. */
  private registerConfiguration = false;
  private watchingFiles = false;
  /** Resolves once the first diagnostics are sent: the process entry then stores V8's code cache. */
  readonly firstAnalysis: Promise<void>;

  constructor(private readonly connection: Connection) {
    this.log = new ServerLog(connection.console);
    this.publisher = new Publisher(connection, {
      analysis: (root) => this.analyses.analysis(root),
      linesOf: (file, analysis) => this.analyses.linesOf(file, analysis),
      documentAt: (path) => this.documents.at(path),
      versionRead: (root, path) => this.analyses.versionRead(root, path),
    });
    this.analyses = new RootAnalyses(connection, this.documents, this.publisher, this.log);
    this.firstAnalysis = this.analyses.firstAnalysis;
    this.scheduler = new AnalysisScheduler({
      ready: async () => {
        await this.parserReady;
        // Without a parser nothing can be analysed (the error was logged once).
        return this.parser !== undefined;
      },
      rootsOfDocument: (uri) => this.rootsOfDocument(uri),
      analyze: (root) => this.analyses.analyze(root),
      readLatestText: (root) => this.analyses.isCurrent(root),
      failed: (root, error) => this.log.error(`analysis of ${root} failed: ${(error as Error).stack ?? String(error)}`),
    });
    // "Verify passthrough" reads this machine: never for an untrusted workspace.
    this.features = new EditorFeatures(
      connection,
      (uri) => this.analysisFor(uri),
      () => (this.trusted ? this.analyses.hardware.rescanMachine() : { source: 'none', problem: UNTRUSTED_NO_SCAN }),
    );
  }

  listen(): void {
    const { connection } = this;
    this.parserReady = NixParser.create().then(
      (parser) => {
        this.parser = parser;
      },
      (error: Error) => this.log.error(`cannot load the Nix parser: ${error.stack ?? error}`),
    );
    connection.onInitialize((params) => this.onInitialize(params));
    connection.onInitialized(() => this.onInitialized());
    connection.onDidOpenTextDocument((params) => this.onDidOpen(params));
    connection.onDidChangeTextDocument((params) => this.onDidChange(params));
    connection.onDidCloseTextDocument((params) => this.onDidClose(params));
    connection.onDidChangeWatchedFiles((params) => this.onDidChangeWatchedFiles(params));
    connection.onDidChangeConfiguration((params) => this.onDidChangeConfiguration(params));
    connection.onCodeAction((params) => this.onCodeAction(params));
    connection.onRequest(RESCAN_REQUEST, () => this.onRescan());
    // Hover, inlay hints, code lens, completion, nixVfio/hardware, /verify, /importListing, commands.
    this.features.register();
    connection.listen();
  }

  private onInitialize(params: InitializeParams): InitializeResult {
    const workspace = params.capabilities.workspace;
    const supportsConfiguration = workspace?.configuration === true;
    this.registerConfiguration = supportsConfiguration && workspace?.didChangeConfiguration?.dynamicRegistration === true;
    // Without watchers, snapshots' modification times are looked at before each analysis instead (closed Nix files are read anew by each analysis).
    this.watchingFiles = workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const options = params.initializationOptions as { trusted?: boolean; clientShowsResults?: boolean } | undefined;
    // VS Code's Workspace Trust: an untrusted workspace gets no reads outside its folders.
    this.trusted = options?.trusted !== false;
    this.features.clientShowsResults = options?.clientShowsResults === true;
    this.settings = new SettingsSource(
      supportsConfiguration ? async (scopeUri) => (await this.connection.workspace.getConfiguration([{ scopeUri, section: 'nixVfio' }]))[0] : undefined,
      this.log,
      params.initializationOptions,
      // A window-wide setting: the latest answer sets it for every log line that follows.
      { trusted: this.trusted, onRead: (settings) => (this.log.level = settings.logLevel) },
    );
    // workspaceFolders, else the older rootUri / rootPath (clients that predate folders send only those).
    const folders = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
    let workspaceRoots = folders.map((uri) => uriToPath(uri)).filter((path): path is string => path !== undefined);
    if (folders.length === 0 && params.rootPath) workspaceRoots = [params.rootPath];
    this.analyses.env = {
      parser: () => this.parser,
      settings: this.settings,
      workspaceRoots,
      trusted: this.trusted,
      // Untrusted: every file read from disk must really (symlinks resolved) lie in a workspace folder.
      boundary: this.trusted ? undefined : new WorkspaceBoundary(workspaceRoots),
      watchingFiles: this.watchingFiles,
      clientShowsResults: this.features.clientShowsResults,
      documentChanges: workspace?.workspaceEdit?.documentChanges === true,
    };
    this.log.info(
      `Nix VFIO server ${SERVER_VERSION} started (${process.argv.includes('--stdio') ? 'stdio' : 'node IPC'}); workspace: ${workspaceRoots.join(', ') || 'none'}; settings from ${supportsConfiguration ? 'workspace/configuration' : 'the client (initializationOptions / didChangeConfiguration)'}; snapshot and Nix files ${this.watchingFiles ? 'watched by the client' : 'checked for changes before each analysis'}`,
    );
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        ...EDITOR_CAPABILITIES,
      },
      serverInfo: { name: 'nix-vfio' },
    };
  }

  private onInitialized(): void {
    // Registered only where the client says it can take the registration.
    if (this.registerConfiguration) void this.connection.client.register(DidChangeConfigurationNotification.type, undefined);
    if (this.watchingFiles)
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHED_FILES.map((globPattern) => ({ globPattern })) });
  }

  private onDidOpen({ textDocument }: DidOpenTextDocumentParams): void {
    this.documents.open(new OpenDocument(textDocument.uri, uriToPath(textDocument.uri), textDocument.text, textDocument.version));
    this.scheduler.documentChanged(textDocument.uri);
  }

  private onDidChange({ textDocument, contentChanges }: DidChangeTextDocumentParams): void {
    const document = this.documents.get(textDocument.uri);
    if (!document) return;
    // Versions only grow; a change older than the text we hold would corrupt it.
    if (textDocument.version <= document.version) {
      this.log.warn(`ignored change to ${textDocument.uri}: version ${textDocument.version} is not newer than ${document.version}`);
      return;
    }
    this.guard('didChange', () => document.applyChanges(contentChanges, textDocument.version, this.parser!));
    this.scheduler.documentChanged(textDocument.uri);
  }

  private onDidClose({ textDocument }: DidCloseTextDocumentParams): void {
    const document = this.documents.close(textDocument.uri);
    this.scheduler.forgetDocument(textDocument.uri);
    if (!document?.path) return;
    const { again, reopen } = this.analyses.closed(document.path);
    // Roots still open read the closed file from disk; open files of a forgotten root are analysed under the roots found now.
    this.scheduler.rootsChanged(again);
    for (const uri of reopen) this.scheduler.documentChanged(uri);
    // Diagnostics of a closed file no root reads any more (or never analysed: too large) are cleared.
    if (this.analyses.rootsReading(document.path).length === 0) this.publisher.clearFile(document.path);
  }

  private onDidChangeWatchedFiles({ changes }: DidChangeWatchedFilesParams): void {
    const changed = changes.flatMap((change) => {
      const path = uriToPath(change.uri);
      return path ? [{ path, created: change.type === FileChangeType.Created }] : [];
    });
    const due = this.analyses.diskChanged(changed);
    this.log.info(
      `files changed on disk (${changed.map((change) => change.path).join(', ')}): ${due.length} configuration${due.length === 1 ? '' : 's'} read again`,
    );
    this.scheduler.rootsChanged(due);
  }

  private onDidChangeConfiguration({ settings }: DidChangeConfigurationParams): void {
    this.settings.changed(settings);
    this.analyses.forgetHardware();
    this.scheduler.rootsChanged(this.analyses.keys());
    for (const uri of this.documents.uris()) this.scheduler.documentChanged(uri);
  }

  private async onRescan(): Promise<{ roots: number }> {
    const roots = this.analyses.keys();
    this.log.info(`rescan: snapshot files and this machine are read again for ${roots.length} configuration${roots.length === 1 ? '' : 's'}`);
    this.analyses.forgetHardware();
    this.scheduler.rootsChanged(roots);
    await this.scheduler.flushAll();
    return { roots: this.analyses.keys().length };
  }

  /** Quick fixes, computed on the analysis of the latest text (waiting for one under way). */
  private async onCodeAction(params: CodeActionParams): Promise<CodeAction[]> {
    const path = this.documents.get(params.textDocument.uri)?.path ?? uriToPath(params.textDocument.uri);
    const named = params.context.diagnostics
      .filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE)
      .map((diagnostic) => (diagnostic.data as DiagnosticData | undefined)?.root)
      .filter((root): root is string => typeof root === 'string');
    if (named.length === 0) return [];
    if (!(await this.current(() => [...named, ...(path ? this.analyses.rootsFor(path) : [])]))) return [];
    return quickFixes(
      params,
      (root) => (path ? this.analyses.context(root, path) : undefined),
      (what, action) => this.guard(what, action),
    );
  }

  /** The analysis that reads the document at `uri`, on its latest text, with its hardware and a way to re-read it with changed texts. */
  private async analysisFor(uri: string): Promise<AnalysisContext | undefined> {
    const document = this.documents.get(uri);
    // A document too large to analyse has no analysis of its text (one from the disk would not match it).
    if (document?.tooLarge) return undefined;
    const path = document?.path ?? uriToPath(uri);
    if (!path) return undefined;
    if (!(await this.current(() => this.analyses.rootsFor(path)))) return undefined;
    const root = this.analyses.rootReading(path);
    return root === undefined ? undefined : this.analyses.context(root, path);
  }

  /**
   * Waits for the analyses pending for the roots `rootsOf` names, and has a root analysed again
   * while its analysis did not read the latest text of its open documents. False when that could
   * not be had: the request is then answered with nothing rather than from older text.
   */
  private async current(rootsOf: () => string[]): Promise<boolean> {
    for (let attempt = 0; attempt < CURRENT_ANALYSIS_TRIES; attempt++) {
      await this.scheduler.settled(() => new Set(rootsOf()));
      const stale = rootsOf().filter((root) => this.analyses.analysis(root) && !this.analyses.isCurrent(root));
      if (stale.length === 0) return true;
      this.scheduler.rootsChanged(stale);
    }
    return false;
  }

  /** The roots a changed document is analysed in; a document too large gets one message instead. */
  private rootsOfDocument(uri: string): string[] {
    const document = this.documents.get(uri);
    if (!document?.path) return [];
    if (document.tooLarge) {
      this.publisher.tooLarge(document);
      return [];
    }
    return this.analyses.rootsFor(document.path, true);
  }

  private guard<T>(what: string, action: () => T): T | undefined {
    try {
      return action();
    } catch (error) {
      this.log.error(`${what} failed: ${(error as Error).stack ?? error}`);
      return undefined;
    }
  }
}
