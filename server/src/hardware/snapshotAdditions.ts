// Validation of the fields snapshot version 2 added (all optional, so version 1 files pass).
// Kept apart from snapshot.ts so each file stays small; the shapes are declared there.

type Problem = (path: string, message: string) => void;

const HEX4 = /^[0-9a-f]{4}$/;
const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;

export function validateDeviceAdditions(device: Record<string, unknown>, at: string, problem: Problem): void {
  if (device.kernelModules !== undefined) {
    if (!Array.isArray(device.kernelModules) || device.kernelModules.some((name) => typeof name !== 'string')) {
      problem(`${at}.kernelModules`, 'must be a list of module names');
    }
  }
  if (device.resetSupported !== undefined && typeof device.resetSupported !== 'boolean') problem(`${at}.resetSupported`, 'must be true or false');
  if (device.usbDevices !== undefined) {
    if (!Array.isArray(device.usbDevices)) {
      problem(`${at}.usbDevices`, 'must be a list');
      return;
    }
    device.usbDevices.forEach((usb, index) => {
      const where = `${at}.usbDevices[${index}]`;
      if (!isObject(usb)) return problem(where, 'must be an object');
      for (const key of ['vendor', 'product'] as const) {
        if (typeof usb[key] !== 'string' || !HEX4.test(usb[key] as string)) problem(`${where}.${key}`, 'must be four lower-case hex digits');
      }
      if (usb.name !== undefined && typeof usb.name !== 'string') problem(`${where}.name`, 'must be a string');
    });
  }
}

export function validateAdditions(data: Record<string, unknown>, problem: Problem): void {
  if (data.inferredFrom !== undefined) {
    if (!isObject(data.inferredFrom)) problem('inferredFrom', 'must be an object of JSON path to source');
    else for (const [key, value] of Object.entries(data.inferredFrom)) if (typeof value !== 'string') problem(`inferredFrom.${key}`, 'must be a string');
  }
  if (data.mounts !== undefined) {
    if (!Array.isArray(data.mounts)) {
      problem('mounts', 'must be a list');
    } else {
      data.mounts.forEach((mount, index) => {
        const at = `mounts[${index}]`;
        if (!isObject(mount)) return problem(at, 'must be an object');
        for (const key of ['mountPoint', 'source', 'fsType'] as const) if (typeof mount[key] !== 'string') problem(`${at}.${key}`, 'must be a string');
        if (!Array.isArray(mount.pciDevices) || mount.pciDevices.some((address) => typeof address !== 'string' || !PCI_ADDRESS.test(address))) {
          problem(`${at}.pciDevices`, 'must be a list of full PCI addresses like 0000:02:00.0');
        }
      });
    }
  }
  if (data.defaultRoute !== undefined) {
    const route = data.defaultRoute;
    if (!isObject(route)) {
      problem('defaultRoute', 'must be an object');
    } else {
      if (typeof route.interface !== 'string') problem('defaultRoute.interface', 'must be a string');
      if (!Array.isArray(route.pciDevices) || route.pciDevices.some((address) => typeof address !== 'string' || !PCI_ADDRESS.test(address))) {
        problem('defaultRoute.pciDevices', 'must be a list of full PCI addresses like 0000:03:00.0');
      }
    }
  }
  if (data.memory !== undefined) {
    const memory = data.memory;
    if (!isObject(memory)) {
      problem('memory', 'must be an object');
    } else {
      if (!isCount(memory.totalKiB)) problem('memory.totalKiB', 'must be a whole number of KiB');
      if (!Array.isArray(memory.hugepages)) {
        problem('memory.hugepages', 'must be a list');
      } else {
        memory.hugepages.forEach((pool, index) => {
          if (!isObject(pool) || !isCount(pool.sizeKiB) || !isCount(pool.count)) {
            problem(`memory.hugepages[${index}]`, 'must be { "sizeKiB": whole number, "count": whole number }');
          }
        });
      }
    }
  }
}
