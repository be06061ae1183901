// The analyses the server holds, one per root (a host's id, or the path of a file of no known
// host): which roots a file belongs to (asked of the host layer, server/src/host, the same one the
// CLI uses), running one root's analysis (settings, model, hardware, release, rules in slices) and
// publishing it, the text versions each analysis read (so a request is answered only from the
// latest text), and what a closed document or a file changed on disk means for them.
import { MessageType, ShowMessageNotification, Connection } from 'vscode-languageserver';
import { ANALYSIS_BUDGET, runRulesInSlices } from '../analysis/analyze';
import { HardwareSnapshot } from '../hardware/snapshot';
import { HostAnalysis, hostAnalysisOf, hostLabel } from '../host/analyzeHost';
import { diskAccess } from '../host/diskAccess';
import { HardwareInUse, HardwareSources } from '../host/hardwareSources';
import { HostLayer, HostTarget, targetKey, targetsOfFile } from '../host/workspace';
import { ModelCache, SourceLoader } from '../model/buildModel';
import { diskLoader } from '../model/loadFiles';
import { OptionModel } from '../model/optionModel';
import { NixParser } from '../parse/nixParser';
import { AnalysisSettings } from '../rules/types';
import { LineIndex } from '../text';
import { WorkspaceBoundary } from '../workspaceBoundary';
import { SettingsSource } from './clientSettings';
import { hardwareNotice, NoticeOnce } from './clientNotices';
import { pathToUri } from './convert';
import { OpenDocuments } from './documents';
import { AnalysisContext, parseText } from './editorFeatures';
import { Publisher } from './publisher';
import { ServerLog } from './serverLog';
import { ServerSettings } from './settings';

/** What a root's analysis is run with; set at initialize. */
export interface RootEnvironment {
  parser: () => NixParser | undefined;
  settings: SettingsSource;
  workspaceRoots: readonly string[];
  trusted: boolean;
  /** Untrusted: every file read from disk must really lie in a workspace folder. */
  boundary?: WorkspaceBoundary;
  /** The client watches snapshot files (else the hardware choice is made again before each analysis). */
  watchingFiles: boolean;
  /** The client shows hardware sources itself (Nix VFIO's VS Code extension): no window/showMessage. */
  clientShowsResults: boolean;
  /** The client takes versioned edits (`workspace.workspaceEdit.documentChanges`). */
  documentChanges: boolean;
}

interface RootState {
  analysis: HostAnalysis;
  hardware?: HardwareSnapshot;
  /** The settings it ran with (the host's own release), for what editor commands re-check. */
  settings: AnalysisSettings;
  /** The version of each open document it read, by path. */
  versions: Map<string, number>;
}

export class RootAnalyses {
  private readonly roots = new Map<string, RootState>();
  /** What each analysis key stands for: a host, or a file of no known host. */
  private readonly targets = new Map<string, HostTarget>();
  /** Walk results of unchanged top-level bindings, reused on the next keystroke. */
  readonly modelCache = new ModelCache();
  /** Which hardware each root uses, until settings, snapshot files or the machine change. */
  private readonly hardwareChoice = new Map<string, HardwareInUse>();
  readonly hardware: HardwareSources;
  /**
   * Models the host layer built to find a changed document's hosts, with the versions of the open
   * documents they read: the analysis that follows uses one instead of building it again while
   * those texts are unchanged.
   */
  private readonly prebuilt = new Map<string, { model: OptionModel; versions: Map<string, number> }>();
  /** Counts closed documents, so an analysis that waited can tell whether one came meanwhile. */
  private closeCount = 0;
  /** Files read per root when last logged, to log each root once and again when its files change. */
  private readonly loggedRoots = new Map<string, number>();
  private readonly notices = new NoticeOnce();
  private firstAnalysisDone!: () => void;
  /** Resolves once the first diagnostics are sent. */
  readonly firstAnalysis = new Promise<void>((resolve) => (this.firstAnalysisDone = resolve));
  env!: RootEnvironment;

  constructor(
    private readonly connection: Connection,
    private readonly documents: OpenDocuments,
    private readonly publisher: Publisher,
    private readonly log: ServerLog,
  ) {
    this.hardware = new HardwareSources((message) => log.info(message));
  }

  keys(): string[] {
    return [...this.roots.keys()];
  }

  analysis(root: string): HostAnalysis | undefined {
    return this.roots.get(root)?.analysis;
  }

  /** The version of the open document at `path` that the analysis of `root` read. */
  versionRead(root: string, path: string): number | undefined {
    return this.roots.get(root)?.versions.get(path);
  }

  /** Whether `root`'s analysis read the latest text of every open document it reads. */
  isCurrent(root: string): boolean {
    const state = this.roots.get(root);
    if (!state) return false;
    for (const document of this.documents.values()) {
      if (document.path && state.analysis.model.files.has(document.path) && state.versions.get(document.path) !== document.version) return false;
    }
    return true;
  }

  /** The first root whose analysis reads `path`. */
  rootReading(path: string): string | undefined {
    for (const [root, state] of this.roots) if (state.analysis.model.files.has(path)) return root;
    return undefined;
  }

  /** Roots whose analysis reads `path`. */
  rootsReading(path: string): string[] {
    return [...this.roots].filter(([, state]) => state.analysis.model.files.has(path)).map(([root]) => root);
  }

  /**
   * The analyses a file is part of, decided by the host layer: analyses already made that read
   * it, else the hosts that read it, else the file alone.
   */
  rootsFor(path: string, keepModels = false): string[] {
    const analysed = [...this.roots].map(([key, state]) => ({ target: this.targets.get(key) ?? { alone: key }, model: state.analysis.model }));
    const versions = new Map<string, number>();
    return targetsOfFile(path, analysed, this.hostLayer(this.loader(versions))).map(({ target, model }) => {
      const key = targetKey(target);
      this.targets.set(key, target);
      // Kept only for a root about to be analysed (a changed document's), so none lingers.
      if (model && keepModels) this.prebuilt.set(key, { model, versions });
      return key;
    });
  }

  /** Snapshot files or settings changed, or a rescan: hardware is chosen and read again. */
  forgetHardware(): void {
    this.hardware.forget();
    this.hardwareChoice.clear();
  }

  /** The host layer over the editor's buffers and the disk (held to the boundary when untrusted). */
  private hostLayer(loader = this.loader()): HostLayer {
    return new HostLayer(this.fileAccess(loader), this.env.workspaceRoots, this.modelCache);
  }

  private fileAccess(loader: SourceLoader = this.loader()) {
    return diskAccess(loader, (path) => this.documents.at(path) !== undefined, this.env.boundary);
  }

  /** Open documents are the editor's buffers (their versions noted in `versions`); only files read from disk are held to the boundary. */
  private loader(versions?: Map<string, number>): SourceLoader {
    const parser = this.env.parser()!;
    return diskLoader(
      parser,
      (path) => {
        const document = this.documents.at(path);
        if (!document || document.tooLarge) return undefined;
        versions?.set(path, document.version);
        return {
          text: document.source,
          tree: document.syntaxTree(parser),
          parseProblem: document.parseProblem,
          unchangedSince: (earlier) => document.unchangedSince(earlier),
        };
      },
      this.env.boundary,
    );
  }

  /** Analyses `root` on the latest text and publishes it; dropped when a change or a close overtook it. */
  async analyze(root: string): Promise<void> {
    const target = this.targets.get(root) ?? { alone: root };
    const declaredIn = 'alone' in target ? target.alone : (target.host.flake ?? target.host.file!);
    const rootDocument = this.documents.at(declaredIn);
    const closesBefore = this.closeCount;
    const settings = await this.env.settings.for(rootDocument?.uri ?? pathToUri(declaredIn));
    // The wait for settings lets other messages in: a file closed meanwhile gets nothing published.
    if (this.closeCount !== closesBefore && !this.someOpenDocumentBelongsTo(root)) return;
    // Without the client's file watchers, the choice is made again: a snapshot created, changed or
    // deleted since is seen (files are re-read only when their modification time or size changed).
    if (!this.env.watchingFiles) this.hardwareChoice.delete(root);
    const started = performance.now();
    const parser = this.env.parser()!;
    // A large open root is parsed first and the event loop let go once: requests waiting on
    // other documents are answered between the parse and the model (both are one piece of work).
    if (rootDocument && !rootDocument.tree && !rootDocument.tooLarge) {
      rootDocument.syntaxTree(parser);
      if (performance.now() - started > ANALYSIS_BUDGET.sliceMs) await new Promise((resolve) => setImmediate(resolve));
    }
    const prebuilt = this.prebuilt.get(root);
    this.prebuilt.delete(root);
    // The model found while looking for the document's hosts, when no text it read changed since.
    const reuse = prebuilt && [...prebuilt.versions].every(([path, version]) => this.documents.at(path)?.version === version);
    const versions = new Map<string, number>(reuse ? prebuilt.versions : []);
    const layer = this.hostLayer(this.loader(versions));
    const model = reuse ? prebuilt.model : layer.model(target);
    const hardware = this.hardwareFor(root, target, model, layer, settings);
    const release = layer.release(target, model, settings.nixosRelease || undefined);
    // In slices within a budget: other requests are answered between rules (ANALYSIS_BUDGET).
    const ran = await runRulesInSlices(
      model,
      hardware.snapshot,
      { disabledRules: settings.disabledRules, nixosRelease: release.release, nixosReleaseSource: release.source },
      ANALYSIS_BUDGET,
      performance.now() - started,
    );
    const analysis = hostAnalysisOf(target, ran, release, hostLabel(target, this.fileAccess()));
    if (this.closeCount !== closesBefore && !this.someOpenDocumentBelongsTo(root)) return;
    // A document it read changed while the rules ran: the scheduler analyses the root again, and that result is the one published.
    for (const [path, version] of versions) if (this.documents.at(path) && this.documents.at(path)!.version !== version) return;
    for (const failure of analysis.ruleFailures) this.log.error(`rule ${failure.code} failed: ${failure.error}`);
    this.log.debug(`analysed ${root}: ${analysis.findings.length} findings in ${(performance.now() - started).toFixed(1)} ms`);
    this.roots.set(root, {
      analysis,
      hardware: hardware.snapshot,
      settings: { disabledRules: settings.disabledRules, nixosRelease: analysis.release.release, nixosReleaseSource: analysis.release.source },
      versions,
    });
    this.logRoot(root, analysis, hardware);
    // A snapshot file that cannot be used is a warning in the host's file; no hardware at all is said in the status.
    this.publisher.publish(root, analysis, hardware.source !== 'this machine' && hardware.source !== 'none' ? hardware.problem : undefined);
    this.publisher.snapshotProblems(hardware);
    this.firstAnalysisDone();
    this.publisher.status(root, {
      root: pathToUri(declaredIn),
      hardwareSource: hardware.source,
      hardwareProblem: hardware.problem,
      findings: analysis.findings.length,
      errors: analysis.findings.filter((finding) => finding.severity === 'error').length,
      warnings: analysis.findings.filter((finding) => finding.severity === 'warning').length,
      ...(analysis.host !== undefined ? { host: analysis.host } : {}),
      release: `${analysis.release.release} (${analysis.release.source})`,
    });
  }

  private logRoot(root: string, analysis: HostAnalysis, hardware: HardwareInUse): void {
    if (this.loggedRoots.get(root) !== analysis.model.files.size) {
      this.loggedRoots.set(root, analysis.model.files.size);
      this.log.info(
        `configuration ${root}: ${analysis.model.files.size} file${analysis.model.files.size === 1 ? '' : 's'}, checked against ${hardware.source === 'none' ? 'no hardware' : hardware.source}`,
      );
    }
    const notice = this.env.clientShowsResults ? undefined : hardwareNotice(root, hardware);
    if (notice && this.notices.first(`${hardware.source}\u0000${hardware.problem ?? ''}`))
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: notice });
  }

  private someOpenDocumentBelongsTo(root: string): boolean {
    const read = this.roots.get(root)?.analysis.model.files;
    for (const document of this.documents.values()) {
      if (!document.path) continue;
      if (document.path === root || read?.has(document.path) || this.rootsFor(document.path).includes(root)) return true;
    }
    return false;
  }

  private hardwareFor(key: string, target: HostTarget, model: OptionModel, layer: HostLayer, settings: ServerSettings): HardwareInUse {
    let chosen = this.hardwareChoice.get(key);
    if (!chosen) {
      // Untrusted: only a per-host snapshot inside the workspace; no machine scan, no file elsewhere.
      const choice = this.env.trusted
        ? { snapshotFile: settings.hardwareSnapshotFile, scanMachine: settings.scanMachine }
        : { snapshotFile: '', scanMachine: false };
      const plan = layer.hardware(target, model, choice, choice.scanMachine ? this.hardware.machineName() : undefined);
      chosen = this.hardware.forPlan(plan, this.env.boundary);
      if (plan.choice.kind === 'none' && plan.choice.reason) this.log.info(plan.choice.reason);
      this.hardwareChoice.set(key, chosen);
    }
    return chosen;
  }

  /**
   * A document was closed (already gone from the open documents). Roots that still have open
   * files read the closed one from disk again: they are returned in `again`. A root of the closed
   * file itself, or one with no open file left, is forgotten and its diagnostics cleared, except
   * those of open files it read: those are returned in `reopen`, to be analysed under the roots the
   * host layer now finds for them (instead of keeping no diagnostics until edited).
   */
  closed(path: string): { again: string[]; reopen: string[] } {
    this.closeCount++;
    this.modelCache.forget(path);
    const again: string[] = [];
    const reopen: string[] = [];
    for (const [root, state] of [...this.roots]) {
      const files = state.analysis.model.files;
      if (root !== path && !files.has(path)) continue;
      const stillOpen = [...this.documents.values()].filter((document) => document.path !== undefined && files.has(document.path));
      if (root !== path && stillOpen.length > 0) {
        again.push(root);
        continue;
      }
      this.forget(root);
      this.publisher.forgetRoot(root, (file) => stillOpen.some((document) => document.path === file));
      reopen.push(...stillOpen.map((document) => document.uri));
    }
    return { again, reopen };
  }

  private forget(root: string): void {
    this.roots.delete(root);
    this.loggedRoots.delete(root);
    this.hardwareChoice.delete(root);
    this.modelCache.forget(root);
  }

  /**
   * Files changed on disk (the client's watchers): a `.nix` file not open makes the roots reading
   * it due (a created one may resolve an import: every root); a snapshot file makes hardware be
   * chosen and read again for every root. Returns the roots to analyse again.
   */
  diskChanged(changes: readonly { path: string; created: boolean }[]): string[] {
    const due = new Set<string>();
    for (const { path, created } of changes) {
      if (!path.endsWith('.nix')) {
        this.forgetHardware();
        for (const root of this.roots.keys()) due.add(root);
        continue;
      }
      // An open document is the editor's buffer: the disk does not change what is analysed.
      if (this.documents.at(path)) continue;
      this.modelCache.forget(path);
      for (const root of created ? this.roots.keys() : this.rootsReading(path)) due.add(root);
    }
    return [...due];
  }

  /** What editor features need of the analysis of `root`, for the file at `path`. */
  context(root: string, path: string): AnalysisContext | undefined {
    const state = this.roots.get(root);
    if (!state) return undefined;
    const { analysis } = state;
    return {
      path,
      root,
      analysis,
      hardware: state.hardware,
      settings: state.settings,
      lines: (file) => this.linesOf(file, analysis),
      uriOf: (file) => this.documents.at(file)?.uri ?? pathToUri(file),
      // The version each edit was computed on; null for a file read from disk.
      versionOf: this.env.documentChanges ? (file) => (this.documents.at(file) ? (state.versions.get(file) ?? null) : null) : undefined,
      rebuild: (texts) => {
        const loader = this.loader();
        const parser = this.env.parser()!;
        const layer = new HostLayer(
          this.fileAccess((file) => (texts.has(file) ? parseText(parser, file, texts.get(file)!) : loader(file))),
          this.env.workspaceRoots,
        );
        return layer.model(this.targets.get(root) ?? { alone: root });
      },
    };
  }

  /** Line index of `file` as `analysis` read it (the open document's when it is the same text). */
  linesOf(file: string, analysis: HostAnalysis | { model: OptionModel }): LineIndex {
    const document = this.documents.at(file);
    if (document && document.source === analysis.model.files.get(file)?.source) return document.lines;
    return new LineIndex(analysis.model.files.get(file)?.text ?? '');
  }
}
