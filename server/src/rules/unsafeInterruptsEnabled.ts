// vfio_iommu_type1.allow_unsafe_interrupts=1 turns off VFIO's check for interrupt remapping: a
// device in the VM can then inject interrupts into the host. Only for hardware without it.
import { canonicalParamName, kernelParams } from '../vfio/kernelParams';
import { modprobeLines } from '../vfio/modprobeConfig';
import { normaliseModuleName } from '../vfio/kernelModules';
import { Finding, Rule } from './types';

export const UNSAFE_INTERRUPTS_ENABLED = 'unsafe-interrupts-enabled';

const ON = /^(1|y|Y)$/;
const WHY =
  "This turns off VFIO's requirement for interrupt remapping, the IOMMU feature that stops a device given to a VM from injecting arbitrary interrupts (and so attacks) into the host. " +
  'Set it only on a platform without interrupt remapping ("No interrupt remapping support" in dmesg, or vfio refusing the device); on any other machine remove it.';

export const unsafeInterruptsEnabled: Rule = {
  code: UNSAFE_INTERRUPTS_ENABLED,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'allow_unsafe_interrupts turned on (gives up interrupt-remapping protection)',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const { text, item, definition } of kernelParams(view, { effective: false, owned: true })) {
        if (!text || !view.owns(definition)) continue;
        const at = text.indexOf('=');
        if (at < 0 || canonicalParamName(text.slice(0, at)) !== 'vfio_iommu_type1.allow_unsafe_interrupts' || !ON.test(text.slice(at + 1))) continue;
        findings.push({ code: UNSAFE_INTERRUPTS_ENABLED, severity: 'warning', message: `"${text}": ${WHY}`, file: definition.file, range: item.range });
      }
      for (const line of modprobeLines(view)) {
        if (!view.owns(line.definition)) continue;
        const [keyword, module, ...rest] = line.words;
        if (keyword?.text !== 'options' || !module || normaliseModuleName(module.text) !== 'vfio_iommu_type1') continue;
        for (const word of rest) {
          const [key = '', value] = word.text.split('=', 2);
          if (key.replace(/-/g, '_') !== 'allow_unsafe_interrupts' || value === undefined || !ON.test(value)) continue;
          findings.push({
            code: UNSAFE_INTERRUPTS_ENABLED,
            severity: 'warning',
            message: `"${line.text}": ${WHY}`,
            file: line.definition.file,
            range: word.range ?? line.range,
          });
        }
      }
    }
    return findings;
  },
};
