// The Intel integrated GPU handed to vfio-pci while the configuration also sets up GVT-g on it
// (`i915.enable_gvt=1`, `virtualisation.kvmgt.enable`, the kvmgt module). GVT-g shares the iGPU as
// virtual GPUs that i915 creates (mdev types under /sys/bus/pci/devices/<iGPU>/mdev_supported_types),
// so it needs i915 driving the device; full passthrough needs vfio-pci driving it. Only one driver
// binds a device: whichever takes it first, the other setup does nothing.
import type { TextRange } from '../text';
import { describeDevice, isDisplay, boundDevices } from '../vfio/devices';
import { kernelModules } from '../vfio/kernelModules';
import { canonicalParamName, kernelParams } from '../vfio/kernelParams';
import { vfioBindings } from '../vfio/vfioBindings';
import type { Definition } from '../model/optionModel';
import { Finding, Rule } from './types';

export const IGPU_VFIO_WITH_GVT = 'igpu-vfio-with-gvt';

const TRUTHY = /^(1|y|Y|true|on)$/;

export const igpuVfioWithGvt: Rule = {
  code: IGPU_VFIO_WITH_GVT,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: 'The Intel iGPU bound to vfio-pci while GVT-g (i915.enable_gvt, kvmgt) is set up on it',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      // The iGPU sits on the root bus (00); an Intel card elsewhere (Arc) has no GVT-g.
      const igpus = [...boundDevices(vfioBindings(view), hardware).values()].filter(
        (device) => device.vendor === '8086' && isDisplay(device) && /^0000:00:/.test(device.address),
      );
      if (igpus.length === 0) continue;
      const evidence: { what: string; definition: Definition; range: TextRange }[] = [];
      for (const { text, item, definition } of kernelParams(view)) {
        const written = text && /^([\w-]+)=(.*)$/.exec(text);
        if (written && canonicalParamName(written[1]!) === 'i915.enable_gvt' && TRUTHY.test(written[2]!))
          evidence.push({ what: `"${text}"`, definition, range: item.range });
      }
      const kvmgt = view.effectiveDefinitions('virtualisation.kvmgt.enable');
      const last = kvmgt[kvmgt.length - 1];
      if (last && last.value.kind === 'bool' && last.value.value)
        evidence.push({ what: 'virtualisation.kvmgt.enable', definition: last, range: last.value.range });
      for (const entry of kernelModules(view)) {
        if (entry.name === 'kvmgt') evidence.push({ what: `the kvmgt module (${entry.option})`, definition: entry.definition, range: entry.range });
      }
      const igpu = igpus[0]!;
      const bindingWhere = vfioBindings(view).find((binding) => boundDevices([binding], hardware).has(igpu.address));
      for (const { what, definition, range } of evidence) {
        if (!view.owns(definition) && !(bindingWhere && view.owns(bindingWhere.definition))) continue;
        findings.push({
          code: IGPU_VFIO_WITH_GVT,
          severity: 'warning',
          message:
            `${what} sets up GVT-g on the integrated GPU ${describeDevice(igpu)}, but this configuration${view.specialisation ? ` (specialisation ${view.specialisation})` : ''} also binds it to vfio-pci${bindingWhere ? ` (${bindingWhere.token} in ${bindingWhere.definition.path.join('.')})` : ''}. ` +
            'GVT-g makes i915 share the iGPU as virtual GPUs, so it needs i915 driving the device; passthrough needs vfio-pci driving it, and a device has one driver. ' +
            'With vfio-pci first the virtual GPUs never appear (no mdev_supported_types for the iGPU, kvmgt’s units wait for nothing); with i915 first the passthrough fails. ' +
            'Keep one: GVT-g (drop the iGPU from the vfio-pci binding) or the whole iGPU for the VM (drop GVT-g), e.g. one per specialisation.',
          file: definition.file,
          range,
        });
      }
    }
    return findings;
  },
};
