// PCI bridges stay with pcieport: since Linux 5.19 VFIO accepts a group whose bridges are
// driven by pcieport, so binding a bridge to vfio-pci only takes it from the host.
import { devicesFor, isBridge } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { Rule, ViewFinding } from './types';

export const VFIO_BRIDGE_BOUND = 'vfio-bridge-bound';

export const vfioBridgeBound: Rule = {
  code: VFIO_BRIDGE_BOUND,
  severity: 'info',
  needsHardware: true,
  title: 'A PCI bridge bound to vfio-pci',
  checkView({ view, hardware }) {
    if (!hardware) return [];
    const findings: ViewFinding[] = [];
    for (const binding of vfioBindings(view)) {
      const bridges = devicesFor(binding, hardware).filter(isBridge);
      if (bridges.length === 0) continue;
      findings.push({
        owner: binding.definition,
        code: VFIO_BRIDGE_BOUND,
        severity: 'info',
        message:
          `${binding.token} is a PCI bridge (${bridges.map((device) => device.address.replace(/^0000:/, '')).join(', ')}). Bridges need not be passed through: ` +
          `since Linux 5.19 VFIO accepts a group whose bridges stay with pcieport. Binding it only takes it from the host.`,
        file: binding.file,
        range: binding.range,
        fix: binding.exact ? { fix: 'remove-vfio-token', title: `Remove ${binding.token}`, args: { via: binding.via, token: binding.token } } : undefined,
      });
    }
    return findings;
  },
};
