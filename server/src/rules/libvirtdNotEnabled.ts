// Devices handed to vfio-pci are only useful to a VM; the usual NixOS way to run one with a
// passed-through GPU is libvirt (virt-manager), which the configuration does not enable.
import { vfioBindings } from '../vfio/vfioBindings';
import { Finding, Rule } from './types';

export const LIBVIRTD_NOT_ENABLED = 'libvirtd-not-enabled';

export const libvirtdNotEnabled: Rule = {
  code: LIBVIRTD_NOT_ENABLED,
  severity: 'info',
  needsHardware: false,
  acrossViews: true,
  title: 'VFIO set up, but virtualisation.libvirtd.enable is not',
  check({ views }) {
    const view = views[0]!;
    const bindings = vfioBindings(view);
    if (bindings.length === 0 || !view.fullyKnown('virtualisation.libvirtd.enable')) return [];
    // Other ways to run VMs (a bare QEMU, microvm, incus) leave traces in the configuration.
    const alternatives = ['virtualisation.incus', 'virtualisation.lxd', 'microvm', 'virtualisation.libvirt'];
    if (alternatives.some((option) => view.definitionsUnder(option).length > 0)) return [];
    if (view.definitions('virtualisation.libvirtd.enable').length > 0) return [];
    const first = bindings[0]!;
    return [
      {
        code: LIBVIRTD_NOT_ENABLED,
        severity: 'info',
        message:
          'Devices are bound to vfio-pci, but libvirt is not enabled (virtualisation.libvirtd.enable). To give them to a VM with virt-manager, enable it and add your user to the libvirtd group.',
        file: first.file,
        range: first.range,
        fix: { fix: 'add-binding', title: 'Enable libvirtd', args: { option: 'virtualisation.libvirtd.enable', value: 'true' } },
      } satisfies Finding,
    ];
  },
};
