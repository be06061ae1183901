// Whether, and where, a configuration sets up VFIO passthrough: the evidence rules point at.
import type { ConfigView, Definition } from '../model/optionModel';
import { textWithHoles } from '../model/values';
import { FactReader, viewFacts } from '../model/viewFacts';
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

/** A definition of `options` whose text passes `test`, as evidence (read once per view, viewFacts.ts). */
function textEvidence(options: readonly string[], test: (text: string) => boolean, what: string): FactReader<VfioEvidence> {
  return {
    options,
    read(definition: Definition) {
      const text = textWithHoles(definition.value);
      return text !== undefined && test(text)
        ? [{ what: `${what} in ${definition.path.join('.')}`, file: definition.file, range: definition.value.range }]
        : [];
    },
  };
}

const MODPROBE_EVIDENCE = textEvidence(MODPROBE_OPTIONS, (text) => /^\s*options\s+vfio[-_]pci\s/m.test(text), 'options vfio-pci');
const COMMAND_EVIDENCE = textEvidence(COMMAND_OPTIONS, (text) => text.includes('driver_override'), 'driver_override');

const evidenceByView = new WeakMap<ConfigView, readonly VfioEvidence[]>();

/** Where the view sets up VFIO, read once per view. Shared between callers: do not change it. */
export function vfioEvidence(view: ConfigView): readonly VfioEvidence[] {
  let cached = evidenceByView.get(view);
  if (!cached) evidenceByView.set(view, (cached = readEvidence(view)));
  return cached;
}

function readEvidence(view: ConfigView): VfioEvidence[] {
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
  evidence.push(...viewFacts(view, MODPROBE_EVIDENCE), ...viewFacts(view, COMMAND_EVIDENCE));
  return evidence;
}
