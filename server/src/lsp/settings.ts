// The server's settings, read per document through workspace/configuration (section `nixVfio`).
// Defaults here must match package.json's contributes.configuration; a test checks that.

export interface ServerSettings {
  /** Snapshot JSON to check against; empty: see HostLayer.hardware (host/workspace.ts) for the order. */
  hardwareSnapshotFile: string;
  /** Without a snapshot file for a configuration, scan the machine the server runs on. */
  scanMachine: boolean;
  /** Rule codes switched off. */
  disabledRules: string[];
  /** Target NixOS release, `YY.MM`; empty: each host's own (host/release.ts). */
  nixosRelease: string;
  /** The least severe of the server's own log lines that reach the *Nix VFIO* output channel. */
  logLevel: LogLevel;
}

/** Most severe first; a level lets through itself and what stands before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  hardwareSnapshotFile: '',
  scanMachine: true,
  disabledRules: [],
  nixosRelease: '',
  logLevel: 'info',
};

export interface SettingKey {
  key: string;
  /** It names a file, or lets the server read the machine: a workspace must not choose it. */
  machineScoped: boolean;
  /**
   * An untrusted workspace must not change it: it reads outside the workspace, or it can silence
   * or steer findings (rule codes switched off, the release advice is given for). Listed in
   * package.json's restrictedConfigurations, and set to its default by the server when untrusted.
   */
  restricted: boolean;
}

/**
 * Where each server setting lives in package.json's contributes.configuration, its scope and
 * whether Restricted Mode keeps it from the workspace. A test holds package.json, these keys and
 * `readServerSettings` together.
 */
export const SERVER_SETTING_KEYS: Record<keyof ServerSettings, SettingKey> = {
  hardwareSnapshotFile: { key: 'nixVfio.hardware.snapshotFile', machineScoped: true, restricted: true },
  scanMachine: { key: 'nixVfio.hardware.scanMachine', machineScoped: true, restricted: true },
  disabledRules: { key: 'nixVfio.rules.disabled', machineScoped: false, restricted: true },
  nixosRelease: { key: 'nixVfio.nixosRelease', machineScoped: false, restricted: true },
  logLevel: { key: 'nixVfio.log.level', machineScoped: false, restricted: false },
};

/**
 * The settings an untrusted workspace gets: every restricted one at its default. VS Code already
 * ignores workspace values of restricted settings in Restricted Mode, but other clients do not,
 * and the answer to workspace/configuration does not say which scope a value came from.
 */
export function settingsForTrust(settings: ServerSettings, trusted: boolean): ServerSettings {
  if (trusted) return settings;
  const result: Record<string, unknown> = { ...settings };
  for (const [field, { restricted }] of Object.entries(SERVER_SETTING_KEYS) as [keyof ServerSettings, SettingKey][]) {
    if (restricted) result[field] = DEFAULT_SERVER_SETTINGS[field];
  }
  return result as unknown as ServerSettings;
}

/** Settings only the client reads: the trace of the messages exchanged with the server. */
export const CLIENT_SETTING_KEYS = ['nixVfio.trace.server'];

/** Reads the `nixVfio` section as the client sends it, keeping defaults for missing or malformed values. */
export function readServerSettings(raw: unknown): ServerSettings {
  const section = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const hardware = typeof section.hardware === 'object' && section.hardware !== null ? (section.hardware as Record<string, unknown>) : {};
  const rules = typeof section.rules === 'object' && section.rules !== null ? (section.rules as Record<string, unknown>) : {};
  const log = typeof section.log === 'object' && section.log !== null ? (section.log as Record<string, unknown>) : {};
  return {
    hardwareSnapshotFile: typeof hardware.snapshotFile === 'string' ? hardware.snapshotFile : DEFAULT_SERVER_SETTINGS.hardwareSnapshotFile,
    scanMachine: typeof hardware.scanMachine === 'boolean' ? hardware.scanMachine : DEFAULT_SERVER_SETTINGS.scanMachine,
    disabledRules: Array.isArray(rules.disabled) ? rules.disabled.filter((code): code is string => typeof code === 'string') : [],
    nixosRelease:
      typeof section.nixosRelease === 'string' && /^(\d{2}\.\d{2})?$/.test(section.nixosRelease) ? section.nixosRelease : DEFAULT_SERVER_SETTINGS.nixosRelease,
    logLevel: (LOG_LEVELS as readonly unknown[]).includes(log.level) ? (log.level as LogLevel) : DEFAULT_SERVER_SETTINGS.logLevel,
  };
}
