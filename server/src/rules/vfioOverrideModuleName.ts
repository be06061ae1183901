// `vfio_pci` written into driver_override: the PCI core binds only the driver whose name equals
// driver_override (pci_match_device's strcmp), and vfio-pci's driver is named "vfio-pci"; the
// module's name binds nothing. libvirt's managed mode writes "vfio-pci" itself when a VM starts,
// so passthrough may still work then: a warning, not an error.
import { COMMAND_OPTIONS } from '../vfio/scripts';
import { UDEV_RULE_OPTIONS } from '../vfio/udevRules';
import { VFIO_DRIVER_NAME } from '../vfio/overrideDriverName';
import { moduleNameWrites } from '../vfio/vfioBindings';
import { fill } from './messages';
import { Rule, ViewFinding } from './types';

export const VFIO_OVERRIDE_MODULE_NAME = 'vfio-override-module-name';

const MESSAGES = {
  moduleName:
    '{where} writes "vfio_pci" (the module\'s name) into driver_override of {devices}, but the PCI core binds only the driver whose name equals driver_override, and vfio-pci\'s driver is named "vfio-pci". So vfio-pci does not take {them} at boot, and neither does any other driver probing {them} after this write; libvirt\'s managed mode writes "vfio-pci" itself when the VM starts, so passthrough may still work then. Write vfio-pci.',
} as const;

export const vfioOverrideModuleName: Rule = {
  messages: MESSAGES,
  code: VFIO_OVERRIDE_MODULE_NAME,
  severity: 'warning',
  needsHardware: false,
  title: 'vfio_pci (the module name) written into driver_override, where only the driver name vfio-pci binds',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const option of [...COMMAND_OPTIONS, ...UDEV_RULE_OPTIONS]) {
      for (const write of moduleNameWrites(view, option)) {
        const several = write.addresses.length !== 1;
        findings.push({
          owner: write.definition,
          code: VFIO_OVERRIDE_MODULE_NAME,
          severity: 'warning',
          message: fill(MESSAGES.moduleName, {
            where: write.via === 'udev-rule' ? `The udev rule in ${option}` : option,
            devices: write.addresses.length > 0 ? write.addresses.join(', ') : 'the devices it names',
            them: several ? 'them' : 'it',
          }),
          file: write.definition.file,
          range: write.range,
          fix: write.exact ? { fix: 'write-vfio-driver-name', title: `Write ${VFIO_DRIVER_NAME} (the driver's name)`, args: { option } } : undefined,
        });
      }
    }
    return findings;
  },
};
