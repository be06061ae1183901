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

export function className(device: PciDevice): string {
  return CLASS_NAMES[device.class.slice(0, 4)] ?? `class ${device.class.slice(0, 4)}`;
}
