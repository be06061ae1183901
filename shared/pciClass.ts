// PCI class predicates used by both the server core and the VS Code client (one definition).
// The class is the snapshot's six hex digits (`030000`): class, subclass, programming interface.

/** PCI-to-PCI bridges (class 06, subclass 04) stay with pcieport: VFIO (Linux 5.19+) accepts them in a group the VM takes. */
export function isBridge(device: { class: string }): boolean {
  return device.class.startsWith('0604');
}

/** Display controllers (class 03: VGA, 3D, other). */
export function isDisplay(device: { class: string }): boolean {
  return device.class.startsWith('03');
}
