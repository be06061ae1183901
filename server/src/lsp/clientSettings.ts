// Where the server's settings come from, for any LSP client: `workspace/configuration` when the
// client advertises it (never waited on for longer than a timeout: then the settings the client
// pushed, else the defaults, and a log line), else what the client pushed with
// `workspace/didChangeConfiguration` or in `initializationOptions`. Either shape is accepted:
// `{ nixVfio: { … } }` (Neovim's `settings`, Helix's `config`) or the section itself. An untrusted
// workspace gets every restricted setting at its default (`settingsForTrust`).
import { DEFAULT_SERVER_SETTINGS, readServerSettings, ServerSettings, settingsForTrust } from './settings';

/** How long an analysis waits for the client's answer to workspace/configuration. */
export const CONFIGURATION_TIMEOUT_MS = Number(process.env.NIX_VFIO_CONFIGURATION_TIMEOUT_MS) || 5000;

const SECTION_KEYS = ['hardware', 'rules', 'nixosRelease', 'log'];

/** The `nixVfio` section inside what a client sent, or undefined when it holds none. */
export function settingsSection(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const object = raw as Record<string, unknown>;
  const nested = object.nixVfio;
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) return nested as Record<string, unknown>;
  return SECTION_KEYS.some((key) => key in object) ? object : undefined;
}

export class SettingsSource {
  /** The section the client pushed last (didChangeConfiguration, else initializationOptions). */
  private pushed: Record<string, unknown> | undefined;
  private readonly cache = new Map<string, ServerSettings>();

  constructor(
    /** Asks the client (workspace/configuration); undefined when the client does not advertise it. */
    private readonly ask: ((scopeUri: string) => Promise<unknown>) | undefined,
    private readonly log: { warn(message: string): void },
    initializationOptions: unknown,
    private readonly trust: { trusted: boolean; onRead?: (settings: ServerSettings) => void } = { trusted: true },
    private readonly timeoutMs = CONFIGURATION_TIMEOUT_MS,
  ) {
    this.pushed = settingsSection(initializationOptions);
  }

  /** didChangeConfiguration: keeps what it carries (clients without workspace/configuration push settings this way) and forgets every answer. */
  changed(settings: unknown): void {
    const section = settingsSection(settings);
    if (section) this.pushed = section;
    this.cache.clear();
  }

  /** The settings for a document (or a host's main file), as the workspace's trust allows them. */
  async for(scopeUri: string): Promise<ServerSettings> {
    const settings = settingsForTrust(await this.read(scopeUri), this.trust.trusted);
    this.trust.onRead?.(settings);
    return settings;
  }

  private async read(scopeUri: string): Promise<ServerSettings> {
    const cached = this.cache.get(scopeUri);
    if (cached) return cached;
    const fallback = () => (this.pushed ? readServerSettings(this.pushed) : DEFAULT_SERVER_SETTINGS);
    if (!this.ask) return fallback();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)));
    let settings: ServerSettings;
    try {
      const answer = await Promise.race([this.ask(scopeUri), timedOut]);
      if (answer === 'timeout') {
        this.log.warn(
          `workspace/configuration got no answer within ${this.timeoutMs} ms; using ${this.pushed ? 'the settings the client sent' : 'the default settings'} until the settings change`,
        );
        settings = fallback();
      } else {
        // A client may answer null for a section it does not know: then what it pushed, or the defaults.
        settings = settingsSection({ nixVfio: answer }) ? readServerSettings(answer) : fallback();
      }
    } catch (error) {
      this.log.warn(
        `workspace/configuration failed (${(error as Error).message}); using ${this.pushed ? 'the settings the client sent' : 'the default settings'}`,
      );
      settings = fallback();
    } finally {
      clearTimeout(timer);
    }
    this.cache.set(scopeUri, settings);
    return settings;
  }
}
