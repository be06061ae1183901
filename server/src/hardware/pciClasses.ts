// Names of the PCI classes that matter for passthrough (the rest show their code).
import type { PciDevice } from './snapshot';

const CLASS_NAMES: Record<string, string> = {
  '0300': 'VGA compatible controller',
  '0302': '3D controller',
  '0380': 'Display controller',
  '0403': 'Audio device',
  '0c03': 'USB controller',
  '0c80': 'Serial bus controller',
  '0600': 'Host bridge',
  '0601': 'ISA bridge',
  '0604': 'PCI bridge',
  '0108': 'Non-Volatile memory controller',
  '0106': 'SATA controller',
  '0200': 'Ethernet controller',
  '0280': 'Network controller',
  '0c05': 'SMBus',
};

/** Class names as lspci prints them (pci.ids `C` section), for listings that print the name without the code. */
const MORE_CLASS_NAMES: Record<string, string> = {
  '0100': 'SCSI storage controller',
  '0101': 'IDE interface',
  '0104': 'RAID bus controller',
  '0107': 'Serial Attached SCSI controller',
  '0180': 'Mass storage controller',
  '0400': 'Multimedia video controller',
  '0401': 'Multimedia audio controller',
  '0480': 'Multimedia controller',
  '0500': 'RAM memory',
  '0580': 'Memory controller',
  '0604': 'PCI bridge',
  '0607': 'CardBus bridge',
  '0680': 'Bridge',
  '0700': 'Serial controller',
  '0780': 'Communication controller',
  '0800': 'PIC',
  '0805': 'SD Host controller',
  '0806': 'IOMMU',
  '0880': 'System peripheral',
  '0c00': 'FireWire (IEEE 1394)',
  '0c80': 'Serial bus controller',
  '1000': 'Network and computing encryption device',
  '1080': 'Encryption controller',
  '1180': 'Signal processing controller',
  '1200': 'Processing accelerators',
  '1300': 'Non-Essential Instrumentation',
  ff00: 'Unassigned class',
};

const CODE_BY_NAME = new Map<string, string>(Object.entries({ ...MORE_CLASS_NAMES, ...CLASS_NAMES }).map(([code, name]) => [name.toLowerCase(), code]));

/** Class and subclass (four hex digits) of a class name lspci prints, or undefined for a name not known here. */
export function classCodeOfName(name: string): string | undefined {
  return CODE_BY_NAME.get(name.trim().toLowerCase());
}

/**
 * The programming interface a device's name states, for listings without `prog-if` (lspci
 * without -v): the USB host interface names are the interfaces (PCI code and ID assignment
 * spec: 0c0300 UHCI, 0c0310 OHCI, 0c0320 EHCI, 0c0330 xHCI), NVMe is 010802, AHCI 010601.
 */
export function progIfFromName(classCode: string, name: string): { progIf: string; because: string } | undefined {
  const usb: [RegExp, string, string][] = [
    [/\bx(HCI|hci)\b|\bUSB ?3/, '30', 'xHCI/USB 3'],
    [/\bEHCI\b/i, '20', 'EHCI'],
    [/\bOHCI\b/i, '10', 'OHCI'],
    [/\bUHCI\b/i, '00', 'UHCI'],
  ];
  if (classCode === '0c03') {
    const found = usb.find(([pattern]) => pattern.test(name));
    return found ? { progIf: found[1], because: `its name says ${found[2]}` } : undefined;
  }
  if (classCode === '0108' && /NVMe|NVM Express/i.test(name)) return { progIf: '02', because: 'its name says NVMe' };
  if (classCode === '0106' && /AHCI/.test(name)) return { progIf: '01', because: 'its name says AHCI' };
  return undefined;
}

export function className(device: PciDevice): string {
  return CLASS_NAMES[device.class.slice(0, 4)] ?? `class ${device.class.slice(0, 4)}`;
}
