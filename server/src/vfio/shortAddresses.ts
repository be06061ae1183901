// A PCI address without its domain (`0f:00.0`) where sysfs needs the full name: the kernel names
// every PCI device `%04x:%02x:%02x.%d` (drivers/pci/probe.c `pci_setup_device`), so
// `/sys/bus/pci/devices/0f:00.0/driver_override` is no file and `KERNEL=="0f:00.0"` matches no
// device. Said only where the text shows the address is used that way: a script that builds
// `/sys/bus/pci/devices/0000:$DEV/…` from short addresses is right.

export const SHORT_ADDRESS = /^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** `$X`, `${X}` or `"$X"` as the whole path component after `devices/`, followed by `/driver_override`. */
function usedAsDevicePath(script: string, variable: string): boolean {
  const path = new RegExp(`/devices/"?\\$(?:${variable}\\b|\\{${variable}\\})"?/driver_override`);
  return path.test(script);
}

/** The variable whose value list holds the word at `start`: `for X in a b; do`, or `X="a b"` looped over. */
function listVariable(script: string, start: number): string | undefined {
  const lineStart = script.lastIndexOf('\n', start - 1) + 1;
  const before = script.slice(lineStart, start);
  const loop = new RegExp(`\\bfor[ \\t]+(${NAME})[ \\t]+in[ \\t]+[^;\\n]*$`).exec(before);
  if (loop) return loop[1];
  const assigned = new RegExp(`^[ \\t]*(?:export[ \\t]+|local[ \\t]+)?(${NAME})=["']?[^"'\\n]*$`).exec(before);
  if (!assigned) return undefined;
  const list = assigned[1];
  // `for DEV in $DEVS` (or "${DEVS}"): the loop variable is what the path uses.
  const over = new RegExp(`\\bfor[ \\t]+(${NAME})[ \\t]+in[ \\t]+"?\\$(?:${list}\\b|\\{${list}\\})`).exec(script);
  return over ? over[1] : list;
}

/**
 * Whether the short address at `start` in a boot script certainly ends up as the device's name in
 * a sysfs path: written into the path itself, or a word of the list a loop puts there bare.
 */
export function shortAddressInPath(script: string, start: number, token: string): boolean {
  if (!SHORT_ADDRESS.test(token)) return false;
  const after = script.slice(start + token.length);
  if (/\/devices\/$/.test(script.slice(0, start)) && after.startsWith('/')) return true;
  const variable = listVariable(script, start);
  if (!variable || !usedAsDevicePath(script, variable)) return false;
  // Any other use that completes the name (`devices/0000:$DEV`) makes the short form the right one.
  return !new RegExp(`0000:"?\\$\\{?${variable}\\b`).test(script);
}
