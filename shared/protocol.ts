// The custom messages between the VS Code extension (client/) and the language server, declared
// once for both (as rust-analyzer's lsp_ext.ts): method names, parameters and results of the
// `nixVfio/*` requests and notifications and of the server's commands. Types and constants only;
// the client imports nothing else from the server.
import type { WorkspaceEdit } from 'vscode-languageserver-types';

export { isBridge, isDisplay } from './pciClass';

/** A PCI device as the client reads it from a hardware answer (a subset of the snapshot's). */
export interface ProtocolDevice {
  address: string;
  vendor: string;
  device: string;
  class: string;
  /** Absent when the snapshot has no driver facts (unknown); null when no driver is bound. */
  driver?: string | null;
  iommuGroup: number | null;
  bootVga?: boolean;
  /** Whether the kernel can reset it alone (snapshot version 2); absent when the snapshot does not say. */
  resetSupported?: boolean;
  vendorName?: string;
  deviceName?: string;
}

/** A configuration line that binds a device to vfio-pci. */
export interface BindingLine {
  uri: string;
  /** 0-based, as LSP positions are. */
  line: number;
  text: string;
}

export interface DocumentParams {
  uri: string;
}

/** `nixVfio/hardware`: the hardware a configuration is checked against, for the client's pickers and views. */
export const HARDWARE_REQUEST = 'nixVfio/hardware';
export interface HardwareResponse<Snapshot extends { devices: readonly ProtocolDevice[] } = { devices: ProtocolDevice[] }> {
  /** Absent when no snapshot is known for this document. */
  snapshot?: Snapshot;
  groups: {
    group: number;
    devices: string[];
    isolated: boolean;
    /** Set when "Pass through" refuses the group (it holds devices the host needs): why, in words for the user. */
    passThroughRefused?: string;
  }[];
  /** Present when the snapshot has no groups: why, in words for the user. */
  noGroupsReason?: string;
  /** Per device address, the configuration lines that bind it to vfio-pci. */
  bindings?: Record<string, BindingLine[]>;
}

/** `nixVfio/verify`: after a reboot, the configuration against the running machine. */
export const VERIFY_REQUEST = 'nixVfio/verify';
export interface VerifyItem {
  ok: boolean;
  what: string;
  /** Why it is not done, when it is not. */
  cause?: string;
}
export interface VerifyReport {
  items: VerifyItem[];
  ok: boolean;
}
export type VerifyResponse = VerifyReport | { error: string };

/** `nixVfio/rescan`: forget cached hardware (snapshot files, the machine scan) and check everything again. */
export const RESCAN_REQUEST = 'nixVfio/rescan';

/** `nixVfio/status`: sent after each analysis, for the client's status bar. */
export const STATUS_NOTIFICATION = 'nixVfio/status';
export interface StatusParams {
  /** The file the host is declared in (its flake.nix or configuration), or the file checked alone. */
  root: string;
  hardwareSource: string;
  hardwareProblem?: string;
  findings: number;
  /** Of `findings`, those of severity error and warning (for a status bar's counts). */
  errors?: number;
  warnings?: number;
  /** The host the root was checked as (a flake's nixosConfigurations name, hosts/<name>, …), when there is one. */
  host?: string;
  /** The NixOS release the host is checked for, with where it came from: "24.11 (flake.lock)". */
  release?: string;
}

/**
 * `nixVfio/importListing`: a pasted listing (lspci, IOMMU-group scripts, kernel log…) read into a
 * snapshot, with every skipped line and every section left out in `messages` (docs/hardware-snapshot.md).
 * Nothing is written: the client saves the snapshot where the user says.
 */
export const IMPORT_LISTING_REQUEST = 'nixVfio/importListing';
export interface ImportListingParams {
  text: string;
  /** The listing to use when the paste holds several that disagree (the refusal lists them). */
  section?: number;
  cpuVendor?: 'intel' | 'amd';
}
export type ImportListingResponse<Snapshot = unknown> =
  | { ok: true; snapshot: Snapshot; messages: string[] }
  | {
      ok: false;
      kind: 'choose-section' | 'contradiction' | 'nothing-usable';
      message: string;
      messages: string[];
      sections: { number: number; label: string }[];
    };

/** The requests with their parameters and results, for typed senders and handlers on both sides. */
export interface ProtocolRequests {
  [IMPORT_LISTING_REQUEST]: { params: ImportListingParams; result: ImportListingResponse };
  [HARDWARE_REQUEST]: { params: DocumentParams; result: HardwareResponse };
  [VERIFY_REQUEST]: { params: DocumentParams; result: VerifyResponse };
  [RESCAN_REQUEST]: { params: void; result: void };
}

/** Commands the server executes (`workspace/executeCommand`), with their argument. */
export const SERVER_COMMANDS = {
  /** Merges the VFIO setup for a device's IOMMU group into the configuration. */
  passThroughDevice: 'nixVfio.server.passThroughDevice',
  /** A walkthrough step done in the configuration. */
  setUpStep: 'nixVfio.server.setUpStep',
  /** A code lens's action: shows the facts of the devices a binding string takes. */
  showDevices: 'nixVfio.server.showDevices',
} as const;

export interface ServerCommandArguments {
  [SERVER_COMMANDS.passThroughDevice]: { uri: string; address: string };
  [SERVER_COMMANDS.setUpStep]: { uri: string; step: string };
  [SERVER_COMMANDS.showDevices]: { uri: string; addresses: string[] };
}

/** What a command that edits the configuration answers (notes also go to window/showMessage for clients that do not show them). */
export interface CommandResult {
  applied?: boolean;
  notes: string[];
  /** "configuration.nix lines 9–12" per changed file, 1-based. */
  changes?: { uri: string; fromLine: number; toLine: number }[];
  /** One sentence: what changed and what remains. */
  summary?: string;
  /** Puts the changed files back as they were (against the edited texts). */
  undo?: WorkspaceEdit;
  /** Errors and warnings left once the edits are in. */
  remaining?: { uri: string; line: number; severity: string; message: string }[];
}
