// Whether, and where, a configuration sets up VFIO passthrough: the evidence rules point at.
import type { ConfigView, Definition } from '../model/optionModel';
import { textWithHoles } from '../model/values';
import type { TextRange } from '../text';
import { kernelModules } from './kernelModules';
import { kernelParams } from './kernelParams';
import { COMMAND_OPTIONS } from './scripts';

export interface VfioEvidence {
  what: string;
  file: string;
  range: TextRange;
}

const VFIO_MODULES = new Set(['vfio_pci', 'vfio', 'vfio_iommu_type1']);
const MODPROBE_OPTIONS = ['boot.extraModprobeConfig', 'boot.initrd.extraModprobeConfig'];

function stringDefinitions(view: ConfigView, options: readonly string[]): { definition: Definition; text: string }[] {
  return options.flatMap((option) =>
    view.definitions(option).flatMap((definition) => {
      const text = textWithHoles(definition.value);
      return text === undefined ? [] : [{ definition, text }];
    }),
  );
}

export function vfioEvidence(view: ConfigView): VfioEvidence[] {
  const evidence: VfioEvidence[] = [];
  for (const param of kernelParams(view)) {
    if (param.text !== undefined && /^vfio[-_]pci\.ids=/.test(param.text)) {
      evidence.push({ what: 'vfio-pci.ids in boot.kernelParams', file: param.definition.file, range: param.item.range });
    }
  }
  for (const entry of kernelModules(view)) {
    if (VFIO_MODULES.has(entry.name)) {
      evidence.push({ what: `${entry.name} in ${entry.option}`, file: entry.definition.file, range: entry.range });
    }
  }
  for (const { definition, text } of stringDefinitions(view, MODPROBE_OPTIONS)) {
    if (/^\s*options\s+vfio[-_]pci\s/m.test(text)) {
      evidence.push({ what: `options vfio-pci in ${definition.path.join('.')}`, file: definition.file, range: definition.value.range });
    }
  }
  for (const { definition, text } of stringDefinitions(view, COMMAND_OPTIONS)) {
    if (text.includes('driver_override')) {
      evidence.push({ what: `driver_override in ${definition.path.join('.')}`, file: definition.file, range: definition.value.range });
    }
  }
  return evidence;
}
