// What the server tells every LSP client in words, beside the custom nixVfio/status notification
// that only Nix VFIO's VS Code extension reads: which hardware a configuration is checked against
// when that is this machine or none (once each, with window/showMessage).
import { HardwareInUse } from '../host/hardwareSources';

/** The message for `hardware` when a client should be told, else undefined (a snapshot file shows in its diagnostics). */
export function hardwareNotice(root: string, hardware: HardwareInUse): string | undefined {
  if (hardware.source === 'none') {
    return `Nix VFIO has no hardware to check ${root} against: checks that need the PCI devices are skipped. Put a hardware.nix-vfio.json (nix-vfio scan --output hardware.nix-vfio.json) beside the configuration, or set nixVfio.hardware.snapshotFile.`;
  }
  if (hardware.source === 'this machine') {
    return hardware.problem
      ? `Nix VFIO: ${hardware.problem}`
      : `Nix VFIO checks ${root} against this machine's hardware (no hardware.nix-vfio.json beside it; set nixVfio.hardware.snapshotFile for another machine).`;
  }
  return undefined;
}

/** Says each distinct notice once per server. */
export class NoticeOnce {
  private readonly said = new Set<string>();

  /** True the first time `key` is seen. */
  first(key: string): boolean {
    if (this.said.has(key)) return false;
    this.said.add(key);
    return true;
  }
}
