// When analyses run. Changes mark documents (or whole roots) dirty; once per turn of the event
// loop the dirty documents become dirty roots and each dirty root not already being analysed gets
// an analysis, kept as a promise until it ends. A root changed while its analysis runs is analysed
// again right after, so there is never more than one analysis of a root at a time, and a request
// can wait for exactly the analyses its document's roots have pending (`settled`).
export interface ScheduledWork {
  /** Resolves with false when nothing can be analysed (no parser). */
  ready(): Promise<boolean>;
  /** The roots a dirty document belongs to (none for a document not analysed, e.g. too large). */
  rootsOfDocument(uri: string): string[];
  analyze(root: string): Promise<void>;
  /** Whether the analysis held for `root` read the latest text of every open document it reads. */
  readLatestText(root: string): boolean;
  failed(root: string, error: unknown): void;
}

export class AnalysisScheduler {
  private readonly dirtyDocuments = new Set<string>();
  private readonly dirtyRoots = new Set<string>();
  /** Roots due for another reason than a changed document (settings, hardware, the disk). */
  private readonly rootsDueAnyway = new Set<string>();
  /** The analysis under way per root. */
  private readonly running = new Map<string, Promise<void>>();
  private flushScheduled = false;

  constructor(private readonly work: ScheduledWork) {}

  documentChanged(uri: string): void {
    this.dirtyDocuments.add(uri);
    this.schedule();
  }

  rootsChanged(roots: Iterable<string>): void {
    for (const root of roots) {
      this.dirtyRoots.add(root);
      this.rootsDueAnyway.add(root);
    }
    this.schedule();
  }

  /** A closed document is not analysed for itself any more. */
  forgetDocument(uri: string): void {
    this.dirtyDocuments.delete(uri);
  }

  /** Starts the analyses that are due now and resolves once every analysis (and any it made due) has ended. */
  async flushAll(): Promise<void> {
    for (;;) {
      if (!(await this.work.ready())) return;
      this.startDue();
      if (this.running.size === 0) return;
      await Promise.all(this.running.values());
    }
  }

  /**
   * Resolves once no change is waiting or being analysed for the roots `concerns` selects (with
   * the dirty documents turned into roots first). A request about one document thus waits for
   * its own configurations only, never for an analysis of an unrelated document.
   */
  async settled(concerns: () => ReadonlySet<string>): Promise<void> {
    for (;;) {
      if (!(await this.work.ready())) return;
      this.startDue();
      const roots = concerns();
      const pending = [...this.running].filter(([root]) => roots.has(root)).map(([, run]) => run);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** Whether an analysis of `root` is under way or due. */
  pending(root: string): boolean {
    return this.running.has(root) || this.dirtyRoots.has(root);
  }

  /** Coalesces bursts of changes: analysis starts once per turn of the event loop, on the latest text. */
  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.work.ready().then((ready) => ready && this.startDue());
    });
  }

  /** Turns dirty documents into dirty roots and starts an analysis of each dirty root that has none running. */
  private startDue(): void {
    for (const uri of [...this.dirtyDocuments]) {
      this.dirtyDocuments.delete(uri);
      for (const root of this.work.rootsOfDocument(uri)) this.dirtyRoots.add(root);
    }
    for (const root of [...this.dirtyRoots]) {
      if (this.running.has(root)) continue;
      this.dirtyRoots.delete(root);
      // A change that came while the last analysis waited for settings was read by it already.
      if (!this.rootsDueAnyway.delete(root) && this.work.readLatestText(root)) continue;
      const run = this.work
        .analyze(root)
        .catch((error: unknown) => this.work.failed(root, error))
        .finally(() => {
          this.running.delete(root);
          // Changed while it ran: analysed again on the latest text.
          if (this.dirtyRoots.has(root) || this.dirtyDocuments.size > 0) this.startDue();
        });
      this.running.set(root, run);
    }
  }
}
