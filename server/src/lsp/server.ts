// LSP wiring: keeps open documents, asks the host layer (server/src/host, shared with the CLI)
// which hosts each belongs to, runs the core analysis per host and publishes its findings; code
// actions turn findings' fix requests into edits.
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Connection,
  Diagnostic,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ShowMessageNotification,
  InitializeParams,
  InitializeResult,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { ANALYSIS_BUDGET, Analysis, runRulesInSlices } from '../analysis/analyze';
import { SERVER_FINDINGS, SERVER_MESSAGES } from '../analysis/catalogue';
import { fixEdits } from '../fixes/registry';
import { HardwareSnapshot } from '../hardware/snapshot';
import { HostAnalysis, hostAnalysisOf, hostLabel } from '../host/analyzeHost';
import { diskAccess } from '../host/diskAccess';
import { HostLayer, HostTarget, targetKey, targetsOfFile } from '../host/workspace';
import { ModelCache } from '../model/buildModel';
import { diskLoader } from '../model/loadFiles';
import { OptionModel } from '../model/optionModel';
import { NixParser } from '../parse/nixParser';
import { AnalysisSettings } from '../rules/types';
import { LineIndex } from '../text';
import { DiagnosticData, DIAGNOSTIC_SOURCE, pathToUri, toDiagnostic, toQuickFix, toRange, toSeverity, toWorkspaceEdit, uriToPath } from './convert';
import { locateJsonPath } from '../hardware/jsonLocate';
import { MAX_DOCUMENT_LENGTH, OpenDocument } from './documents';
import { AnalysisContext, EDITOR_CAPABILITIES, EditorFeatures, parseText } from './editorFeatures';
import { version as SERVER_VERSION } from '../../../package.json';
import { SettingsSource } from './clientSettings';
import { hardwareNotice, NoticeOnce } from './clientNotices';
import { HardwareInUse, HardwareSources } from '../host/hardwareSources';
import { ServerLog } from './serverLog';
import { WorkspaceBoundary } from '../workspaceBoundary';
import { ServerSettings, settingsForTrust } from './settings';
import { RESCAN_REQUEST, STATUS_NOTIFICATION, StatusParams } from '../../../shared/protocol';

const UNTRUSTED_NO_SCAN = 'Verifying reads this machine, which Nix VFIO does not do in an untrusted workspace. Trust the workspace to verify.';

export { RESCAN_REQUEST, STATUS_NOTIFICATION, type StatusParams };

export class NixVfioServer {
  private parser?: NixParser;
  /** The wasm loads while the client and server exchange initialize/didOpen; analysis waits for it. */
  private parserReady?: Promise<void>;
  private readonly documents = new Map<string, OpenDocument>();
  private readonly analyses = new Map<string, Analysis>();
  private readonly hardwareByRoot = new Map<string, HardwareSnapshot | undefined>();
  /** What each analysis key stands for: a host, or a file of no known host. */
  private readonly targets = new Map<string, HostTarget>();
  /** The settings each analysis ran with (the host's own release), for what editor commands re-check. */
  private readonly settingsByRoot = new Map<string, AnalysisSettings>();
  /** Walk results of unchanged top-level bindings, reused on the next keystroke. */
  private readonly modelCache = new ModelCache();
  /** Files (paths) that had diagnostics published, with the roots that reported them. */
  private readonly published = new Map<string, Set<string>>();
  private readonly dirtyRoots = new Set<string>();
  private readonly dirtyDocuments = new Set<string>();
  private flushScheduled = false;
  /** Per root, the number of the latest analysis started (an older one finishing later is dropped). */
  private readonly analysisGenerations = new Map<string, number>();
  /** Counts didClose notifications, so an analysis that waited can tell whether one came meanwhile. */
  private closeCount = 0;
  private workspaceRoots: string[] = [];
  private supportsConfiguration = false;
  private trusted = true;
  private boundary?: WorkspaceBoundary;
  /** workspace/configuration (with a timeout), else what the client pushed; set in initialize. */
  private settingsSource!: SettingsSource;
  /** Client capabilities: dynamic registration of didChangeConfiguration and of file watchers. */
  private registerConfiguration = false;
  private watchingSnapshots = false;
  /** Nix VFIO's VS Code extension shows hardware source and command results itself. */
  private clientShowsResults = false;
  private readonly notices = new NoticeOnce();
  /** Files read per root when last logged, to log each root once and again when its files change. */
  private readonly loggedRoots = new Map<string, number>();
  private readonly brokenSnapshots = new Set<string>();
  private readonly lastStatus = new Map<string, string>();
  /** Which hardware each root uses, until settings, snapshot files or the machine change. */
  private readonly hardwareByRootChoice = new Map<string, HardwareInUse>();
  private readonly log: ServerLog;
  private features?: EditorFeatures;
  private firstAnalysisDone!: () => void;
  /** Resolves once the first diagnostics are sent: the process entry then stores V8's code cache. */
  readonly firstAnalysis = new Promise<void>((resolve) => (this.firstAnalysisDone = resolve));
  private readonly hardware = new HardwareSources((message) => this.log.info(message));

  constructor(private readonly connection: Connection) {
    this.log = new ServerLog(connection.console);
  }

  listen(): void {
    const { connection } = this;
    this.parserReady = NixParser.create().then(
      (parser) => {
        this.parser = parser;
      },
      (error: Error) => this.log.error(`cannot load the Nix parser: ${error.stack ?? error}`),
    );
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => {
      // Registered only where the client says it can take the registration.
      if (this.registerConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, undefined);
      if (this.watchingSnapshots)
        void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*nix-vfio*.json' }] });
    });
    connection.onDidOpenTextDocument(({ textDocument }) => {
      const path = uriToPath(textDocument.uri);
      this.documents.set(textDocument.uri, new OpenDocument(textDocument.uri, path, textDocument.text, textDocument.version));
      this.markDirty(textDocument.uri);
    });
    connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
      const document = this.documents.get(textDocument.uri);
      if (!document) return;
      // Versions only grow; a change older than the text we hold would corrupt it.
      if (textDocument.version <= document.version) {
        this.log.warn(`ignored change to ${textDocument.uri}: version ${textDocument.version} is not newer than ${document.version}`);
        return;
      }
      this.guard('didChange', () => document.applyChanges(contentChanges, textDocument.version, this.parser!));
      this.markDirty(textDocument.uri);
    });
    connection.onDidCloseTextDocument(({ textDocument }) => {
      const document = this.documents.get(textDocument.uri);
      this.closeCount++;
      document?.dropTree();
      this.documents.delete(textDocument.uri);
      this.dirtyDocuments.delete(textDocument.uri);
      if (document?.path) this.forgetClosedFile(document.path);
    });
    connection.onDidChangeWatchedFiles(({ changes }) => {
      // A snapshot file was created, changed or deleted: choose and read hardware again.
      this.log.info(`snapshot files changed (${changes.map((change) => uriToPath(change.uri) ?? change.uri).join(', ')}): hardware is read again`);
      this.hardware.forget();
      this.hardwareByRootChoice.clear();
      for (const root of this.analyses.keys()) this.dirtyRoots.add(root);
      this.scheduleFlush();
    });
    connection.onDidChangeConfiguration(({ settings }) => {
      this.settingsSource.changed(settings);
      this.hardwareByRootChoice.clear();
      for (const root of this.analyses.keys()) this.dirtyRoots.add(root);
      for (const uri of this.documents.keys()) this.dirtyDocuments.add(uri);
      this.scheduleFlush();
    });
    connection.onCodeAction((params) => this.codeActions(params));
    // "Verify passthrough" reads this machine: never for an untrusted workspace.
    const features = new EditorFeatures(
      connection,
      (uri) => this.analysisFor(uri),
      () => (this.trusted ? this.hardware.rescanMachine() : { source: 'none', problem: UNTRUSTED_NO_SCAN }),
    );
    connection.onRequest(RESCAN_REQUEST, async () => {
      this.log.info(`rescan: snapshot files and this machine are read again for ${this.analyses.size} configuration${this.analyses.size === 1 ? '' : 's'}`);
      this.hardware.forget();
      this.hardwareByRootChoice.clear();
      for (const root of this.analyses.keys()) this.dirtyRoots.add(root);
      await this.flush();
      return { roots: this.analyses.size };
    });
    this.features = features;
    features.register();
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const workspace = params.capabilities.workspace;
    this.supportsConfiguration = workspace?.configuration === true;
    this.registerConfiguration = this.supportsConfiguration && workspace?.didChangeConfiguration?.dynamicRegistration === true;
    // Without watchers the snapshot's modification time is looked at before each analysis instead.
    this.watchingSnapshots = workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const options = params.initializationOptions as { trusted?: boolean; clientShowsResults?: boolean } | undefined;
    // VS Code's Workspace Trust: an untrusted workspace gets no reads outside its folders.
    this.trusted = options?.trusted !== false;
    this.clientShowsResults = options?.clientShowsResults === true;
    if (this.features) this.features.clientShowsResults = this.clientShowsResults;
    this.settingsSource = new SettingsSource(
      this.supportsConfiguration ? async (scopeUri) => (await this.connection.workspace.getConfiguration([{ scopeUri, section: 'nixVfio' }]))[0] : undefined,
      this.log,
      params.initializationOptions,
    );
    // workspaceFolders, else the older rootUri / rootPath (clients that predate folders send only those).
    const folders = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.workspaceRoots = folders.map((uri) => uriToPath(uri)).filter((path): path is string => path !== undefined);
    if (folders.length === 0 && params.rootPath) this.workspaceRoots = [params.rootPath];
    this.log.info(
      `Nix VFIO server ${SERVER_VERSION} started (${process.argv.includes('--stdio') ? 'stdio' : 'node IPC'}); workspace: ${this.workspaceRoots.join(', ') || 'none'}; settings from ${this.supportsConfiguration ? 'workspace/configuration' : 'the client (initializationOptions / didChangeConfiguration)'}; snapshot files ${this.watchingSnapshots ? 'watched by the client' : 'checked for changes before each analysis'}`,
    );
    // Untrusted: every file read from disk must really (symlinks resolved) lie in a workspace folder.
    this.boundary = this.trusted ? undefined : new WorkspaceBoundary(this.workspaceRoots);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        ...EDITOR_CAPABILITIES,
      },
      serverInfo: { name: 'nix-vfio' },
    };
  }

  private markDirty(uri: string): void {
    this.dirtyDocuments.add(uri);
    this.scheduleFlush();
  }

  /** Coalesces bursts of changes: analysis runs once per turn of the event loop, on the latest text. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    await this.parserReady;
    // Without a parser nothing can be analysed (the error was logged once).
    if (!this.parser) return;
    for (const uri of [...this.dirtyDocuments]) {
      this.dirtyDocuments.delete(uri);
      const document = this.documents.get(uri);
      if (!document) continue;
      if (!document.path) continue;
      if (document.tooLarge) {
        this.publishTooLarge(document);
        continue;
      }
      for (const root of this.rootsFor(document.path)) this.dirtyRoots.add(root);
    }
    const roots = [...this.dirtyRoots];
    this.dirtyRoots.clear();
    for (const root of roots) await this.analyzeRoot(root);
  }

  /**
   * The analyses a file is part of (keys: a host's id, or the file's own path when it belongs to
   * no known host), decided by the host layer: analyses already made that read it, else the hosts
   * that read it, else the file alone.
   */
  private rootsFor(path: string): string[] {
    const analysed = [...this.analyses.entries()].map(([key, analysis]) => ({ target: this.targets.get(key) ?? { alone: key }, model: analysis.model }));
    return targetsOfFile(path, analysed, this.hostLayer()).map(({ target }) => {
      const key = targetKey(target);
      this.targets.set(key, target);
      return key;
    });
  }

  /** The host layer over the editor's buffers and the disk (held to the boundary when untrusted). */
  private hostLayer(loader = this.loader()): HostLayer {
    return new HostLayer(this.fileAccess(loader), this.workspaceRoots, this.modelCache);
  }

  private fileAccess(loader = this.loader()) {
    return diskAccess(loader, (path) => this.openDocumentAt(path) !== undefined, this.boundary);
  }

  private openDocumentAt(path: string): OpenDocument | undefined {
    for (const document of this.documents.values()) if (document.path === path) return document;
    return undefined;
  }

  private loader() {
    // Open documents are the editor's buffers; only files read from disk are held to the boundary.
    const read = diskLoader(
      this.parser!,
      (path) => {
        const document = this.openDocumentAt(path);
        if (!document || document.tooLarge) return undefined;
        return {
          text: document.source,
          tree: document.syntaxTree(this.parser!),
          parseProblem: document.parseProblem,
          unchangedSince: (earlier) => document.unchangedSince(earlier),
        };
      },
      this.boundary,
    );
    return read;
  }

  private async analyzeRoot(root: string): Promise<void> {
    const target = this.targets.get(root) ?? { alone: root };
    const declaredIn = 'alone' in target ? target.alone : (target.host.flake ?? target.host.file!);
    const rootDocument = this.openDocumentAt(declaredIn);
    const closesBefore = this.closeCount;
    const settings = await this.settingsFor(rootDocument?.uri ?? pathToUri(declaredIn));
    // The wait for settings lets other messages in: a file closed meanwhile gets nothing published.
    if (this.closeCount !== closesBefore && !this.someOpenDocumentBelongsTo(root)) return;
    // Without the client's file watchers, the choice is made again: a snapshot created, changed or
    // deleted since is seen (files are re-read only when their modification time or size changed).
    if (!this.watchingSnapshots) this.hardwareByRootChoice.delete(root);
    let analysis: HostAnalysis;
    let hardware: HardwareInUse;
    const started = performance.now();
    const generation = (this.analysisGenerations.get(root) ?? 0) + 1;
    this.analysisGenerations.set(root, generation);
    // A large open root is parsed first and the event loop let go once: requests waiting on
    // other documents are answered between the parse and the model (both are one piece of work).
    if (rootDocument && !rootDocument.tree && !rootDocument.tooLarge) {
      rootDocument.syntaxTree(this.parser!);
      if (performance.now() - started > ANALYSIS_BUDGET.sliceMs) await new Promise((resolve) => setImmediate(resolve));
      if (this.analysisGenerations.get(root) !== generation) return;
    }
    try {
      const layer = this.hostLayer();
      const model = layer.model(target);
      hardware = this.hardwareFor(root, target, model, layer, settings);
      const release = layer.release(target, model, settings.nixosRelease || undefined);
      // In slices within a budget: other requests are answered between rules (ANALYSIS_BUDGET).
      const ran = await runRulesInSlices(
        model,
        hardware.snapshot,
        { disabledRules: settings.disabledRules, nixosRelease: release.release },
        ANALYSIS_BUDGET,
        performance.now() - started,
      );
      analysis = hostAnalysisOf(target, ran, release, hostLabel(target, this.fileAccess()));
    } catch (error) {
      this.log.error(`analysis of ${root} failed: ${(error as Error).stack ?? error}`);
      return;
    }
    // A newer analysis of this root started while this one yielded: its result wins.
    if (this.analysisGenerations.get(root) !== generation) return;
    if (this.closeCount !== closesBefore && !this.someOpenDocumentBelongsTo(root)) return;
    for (const failure of analysis.ruleFailures) this.log.error(`rule ${failure.code} failed: ${failure.error}`);
    this.log.debug(`analysed ${root}: ${analysis.findings.length} findings in ${(performance.now() - started).toFixed(1)} ms`);
    this.analyses.set(root, analysis);
    this.hardwareByRoot.set(root, hardware.snapshot);
    this.settingsByRoot.set(root, { disabledRules: settings.disabledRules, nixosRelease: analysis.release.release });
    if (this.loggedRoots.get(root) !== analysis.model.files.size) {
      this.loggedRoots.set(root, analysis.model.files.size);
      this.log.info(
        `configuration ${root}: ${analysis.model.files.size} file${analysis.model.files.size === 1 ? '' : 's'}, checked against ${hardware.source === 'none' ? 'no hardware' : hardware.source}`,
      );
    }
    const notice = this.clientShowsResults ? undefined : hardwareNotice(root, hardware);
    if (notice && this.notices.first(`${hardware.source}\u0000${hardware.problem ?? ''}`))
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: notice });
    // A snapshot file that cannot be used is a warning in the host's file; no hardware at all is said in the status.
    this.publish(root, analysis, hardware.source !== 'this machine' && hardware.source !== 'none' ? hardware.problem : undefined);
    this.publishSnapshotProblems(hardware);
    this.firstAnalysisDone();
    const status: StatusParams = {
      root: pathToUri(declaredIn),
      hardwareSource: hardware.source,
      hardwareProblem: hardware.problem,
      findings: analysis.findings.length,
      ...(analysis.host !== undefined ? { host: analysis.host } : {}),
      release: `${analysis.release.release} (${analysis.release.source})`,
    };
    // Sent when it changes, not on every keystroke.
    const key = JSON.stringify(status);
    if (this.lastStatus.get(root) !== key) {
      this.lastStatus.set(root, key);
      void this.connection.sendNotification(STATUS_NOTIFICATION, status);
    }
  }

  private someOpenDocumentBelongsTo(root: string): boolean {
    const read = this.analyses.get(root)?.model.files;
    for (const document of this.documents.values()) {
      if (!document.path) continue;
      if (document.path === root || read?.has(document.path) || this.rootsFor(document.path).includes(root)) return true;
    }
    return false;
  }

  private publish(root: string, analysis: Analysis, hardwareProblem: string | undefined): void {
    const files = new Set<string>([...analysis.model.files.keys()]);
    for (const [file, roots] of this.published) if (roots.has(root)) files.add(file);
    for (const file of files) {
      const reporting = this.published.get(file) ?? new Set<string>();
      if (analysis.model.files.has(file)) reporting.add(root);
      else reporting.delete(root);
      this.published.set(file, reporting);
      const diagnostics: Diagnostic[] = [];
      for (const reportingRoot of reporting) {
        const rootAnalysis = this.analyses.get(reportingRoot);
        if (!rootAnalysis) continue;
        const lines = this.linesOf(file, rootAnalysis);
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
      const document = this.openDocumentAt(file);
      void this.connection.sendDiagnostics({ uri: document?.uri ?? pathToUri(file), version: document?.version, diagnostics: dedupe(diagnostics) });
    }
  }

  /** A snapshot file that failed validation gets its problems as diagnostics, where they are written. */
  private publishSnapshotProblems(hardware: HardwareInUse): void {
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

  private publishTooLarge(document: OpenDocument): void {
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

  private linesOf(file: string, analysis: Analysis): LineIndex {
    const document = this.openDocumentAt(file);
    if (document && document.source === analysis.model.files.get(file)?.source) return document.lines;
    return new LineIndex(analysis.model.files.get(file)?.text ?? '');
  }

  private forgetClosedFile(path: string): void {
    // Diagnostics of a closed file that is no root's import are cleared.
    const stillRead = [...this.analyses.entries()].some(([root, analysis]) => root !== path && analysis.model.files.has(path));
    if (stillRead) return;
    this.analyses.delete(path);
    this.hardwareByRoot.delete(path);
    this.settingsByRoot.delete(path);
    this.loggedRoots.delete(path);
    this.modelCache.forget(path);
    for (const [file, roots] of this.published) {
      roots.delete(path);
      if (file === path || roots.size === 0) {
        this.published.delete(file);
        void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
      }
    }
  }

  private async settingsFor(scopeUri: string): Promise<ServerSettings> {
    const settings = settingsForTrust(await this.settingsSource.for(scopeUri), this.trusted);
    // A window-wide setting: the latest answer sets it for every log line that follows.
    this.log.level = settings.logLevel;
    return settings;
  }

  private hardwareFor(key: string, target: HostTarget, model: OptionModel, layer: HostLayer, settings: ServerSettings): HardwareInUse {
    let chosen = this.hardwareByRootChoice.get(key);
    if (!chosen) {
      // Untrusted: only a per-host snapshot inside the workspace; no machine scan, no file elsewhere.
      const choice = this.trusted
        ? { snapshotFile: settings.hardwareSnapshotFile, scanMachine: settings.scanMachine }
        : { snapshotFile: '', scanMachine: false };
      const plan = layer.hardware(target, model, choice, choice.scanMachine ? this.hardware.machineName() : undefined);
      chosen = this.hardware.forPlan(plan, this.boundary);
      if (plan.choice.kind === 'none' && plan.choice.reason) this.log.info(plan.choice.reason);
      this.hardwareByRootChoice.set(key, chosen);
    }
    return chosen;
  }

  private async codeActions(params: CodeActionParams): Promise<CodeAction[]> {
    // Make sure the analysis reflects the latest text before computing edits against it.
    if (this.dirtyDocuments.size > 0 || this.dirtyRoots.size > 0) await this.flush();
    const actions: CodeAction[] = [];
    for (const diagnostic of params.context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const data = diagnostic.data as DiagnosticData | undefined;
      if (!data?.fix) continue;
      const analysis = this.analyses.get(data.root);
      if (!analysis) continue;
      for (const request of [data.fix, ...(data.moreFixes ?? [])]) {
        const edits = this.guard('codeAction', () => fixEdits(analysis.model, request)) ?? [];
        if (edits.length === 0) continue;
        const edit = toWorkspaceEdit(
          edits,
          (file) => this.linesOf(file, analysis),
          (file) => this.openDocumentAt(file)?.uri ?? pathToUri(file),
        );
        actions.push(toQuickFix(request.title, diagnostic, edit, request === data.fix));
      }
    }
    return actions;
  }

  /**
   * Whether a change not yet analysed touches the configurations `uri` belongs to: only then does
   * a request about it wait for an analysis (a huge document edited elsewhere does not hold it up).
   */
  private mustFlushFor(uri: string): boolean {
    if (this.dirtyDocuments.size === 0 && this.dirtyRoots.size === 0) return false;
    const path = this.documents.get(uri)?.path ?? uriToPath(uri);
    if (!path || this.dirtyDocuments.has(uri)) return true;
    const roots = new Set(this.rootsFor(path));
    if ([...this.dirtyRoots].some((root) => roots.has(root))) return true;
    for (const dirty of this.dirtyDocuments) {
      const dirtyPath = this.documents.get(dirty)?.path;
      if (!dirtyPath || dirtyPath === path || this.rootsFor(dirtyPath).some((root) => roots.has(root))) return true;
    }
    return false;
  }

  /** The up-to-date analysis that reads the document at `uri`, with its hardware and a way to re-read it with changed texts. */
  private async analysisFor(uri: string): Promise<AnalysisContext | undefined> {
    if (this.mustFlushFor(uri)) await this.flush();
    const document = this.documents.get(uri);
    const path = document?.path ?? uriToPath(uri);
    if (!path) return undefined;
    const root = [...this.analyses.keys()].find((candidate) => this.analyses.get(candidate)!.model.files.has(path));
    if (!root) return undefined;
    const analysis = this.analyses.get(root)!;
    return {
      path,
      root,
      analysis,
      hardware: this.hardwareByRoot.get(root),
      settings: this.settingsByRoot.get(root),
      lines: (file) => this.linesOf(file, analysis),
      uriOf: (file) => this.openDocumentAt(file)?.uri ?? pathToUri(file),
      rebuild: (texts) => {
        const loader = this.loader();
        const layer = new HostLayer(
          this.fileAccess((file) => (texts.has(file) ? parseText(this.parser!, file, texts.get(file)!) : loader(file))),
          this.workspaceRoots,
        );
        return layer.model(this.targets.get(root) ?? { alone: root });
      },
    };
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

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = JSON.stringify([diagnostic.code, diagnostic.range, diagnostic.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
