// `options <module> key=value` lines: modprobe hands a module the options written for its exact
// name (`-` and `_` alike), and the module ignores keys it does not have ("unknown parameter").
// So a key vfio-pci does not have, a module name joined to its parameter the way the kernel
// command line writes it (`options vfio-pci.ids=…`), `options vfio ids=…`, or a misspelt module
// name all set nothing.
import { HOLE } from '../model/values';
import { ModprobeLine, modprobeLines } from '../vfio/modprobeConfig';
import { editDistance } from '../vfio/editDistance';
import { normaliseModuleName } from '../vfio/kernelModules';
import { VFIO_PCI_PARAMETERS } from '../vfio/kernelParams';
import { Finding, FixRequest, Rule } from './types';

export const MODPROBE_VFIO_OPTION = 'modprobe-vfio-option';

const VFIO_PCI_KEYS = VFIO_PCI_PARAMETERS;
/** Real vfio module names, never reported as misspellings. */
const VFIO_MODULES = new Set(['vfio', 'vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1', 'vfio_virqfd', 'vfio_mdev']);

export const modprobeVfioOption: Rule = {
  code: MODPROBE_VFIO_OPTION,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'An options line for vfio-pci with an unknown key or a misspelt module name',
  check({ views }) {
    const findings: Finding[] = [];
    const report = (line: ModprobeLine, word: ModprobeLine['words'][number], message: string, fix?: FixRequest) =>
      findings.push({
        code: MODPROBE_VFIO_OPTION,
        severity: 'warning',
        message,
        file: line.definition.file,
        range: word.range ?? line.range,
        fix: word.range ? fix : undefined,
      });
    for (const view of views) {
      for (const line of modprobeLines(view)) {
        if (!view.owns(line.definition) || line.words[0]?.text !== 'options' || line.words.length < 2) continue;
        const moduleWord = line.words[1]!;
        const module = moduleWord.text;
        if (module.includes(HOLE)) continue;
        // `options vfio-pci.ids=…`: the command-line spelling, for any module.
        const dotted = /^([\w-]+)\.(\w+=.*)$/.exec(module);
        if (dotted) {
          const replacement = `${dotted[1]} ${dotted[2]}`;
          report(
            line,
            moduleWord,
            `"${module}" joins the module and its parameter the way the kernel command line does; modprobe reads "${module}" as a module name, so this line sets nothing. In modprobe config it is "options ${replacement}".`,
            { fix: 'replace-modprobe-word', title: `Write "${replacement}"`, args: { word: module, replacement } },
          );
          continue;
        }
        const name = normaliseModuleName(module);
        const keys = line.words.slice(2).map((word) => word.text.split('=')[0]!);
        if (name === 'vfio' && keys.includes('ids')) {
          report(
            line,
            moduleWord,
            '"ids" is a parameter of vfio-pci, not of vfio: "options vfio ids=…" sets nothing and the devices stay with their host drivers. Write "options vfio-pci ids=…".',
            {
              fix: 'replace-modprobe-word',
              title: 'Write vfio-pci',
              args: { word: module, replacement: 'vfio-pci', after: 'options', before: 'ids=' },
            },
          );
          continue;
        }
        // allow_unsafe_interrupts belongs to vfio_iommu_type1 (drivers/vfio/vfio_iommu_type1.c), whatever guide wrote vfio or vfio-pci.
        if (
          name !== 'vfio_iommu_type1' &&
          keys.some((key) => key.replace(/-/g, '_') === 'allow_unsafe_interrupts') &&
          (VFIO_MODULES.has(name) || editDistance(name, 'vfio_iommu_type1') <= 2)
        ) {
          report(
            line,
            moduleWord,
            (VFIO_MODULES.has(name)
              ? `allow_unsafe_interrupts is a parameter of vfio_iommu_type1, not of ${module}: modprobe hands these options to ${module}, which ignores them, so nothing is set.`
              : `There is no module "${module}": modprobe applies options by module name, so vfio_iommu_type1 never gets allow_unsafe_interrupts.`) +
              ' Write "options vfio_iommu_type1 allow_unsafe_interrupts=1", and only on a platform without interrupt remapping.',
            {
              fix: 'replace-modprobe-word',
              title: 'Write vfio_iommu_type1',
              args: { word: module, replacement: 'vfio_iommu_type1', after: 'options', before: line.words[2]?.text },
            },
          );
          continue;
        }
        if (!VFIO_MODULES.has(name)) {
          // A near-miss of vfio-pci (`vfio-pic`, `vifo-pci`, `vfiopci`) carrying vfio-pci's keys.
          const cost = editDistance(name, 'vfio_pci');
          if (cost <= 2 && keys.some((key) => VFIO_PCI_KEYS.includes(key))) {
            const replacement = module.includes('_') ? 'vfio_pci' : 'vfio-pci';
            report(
              line,
              moduleWord,
              `There is no module "${module}": modprobe applies options by module name, so vfio-pci never gets these and the devices stay with their host drivers. Did you mean ${replacement}?`,
              {
                fix: 'replace-modprobe-word',
                title: `Write ${replacement}`,
                args: { word: module, replacement, after: 'options' },
              },
            );
            continue;
          }
        }
        if (name !== 'vfio_pci') continue;
        for (const word of line.words.slice(2)) {
          const key = word.text.split('=')[0]!;
          // The kernel compares parameter names with `-` and `_` alike: disable-vga is fine.
          if (key.includes(HOLE) || VFIO_PCI_KEYS.includes(key.replace(/-/g, '_'))) continue;
          const nearest = VFIO_PCI_KEYS.map((known) => ({ known, cost: editDistance(key.replace(/-/g, '_'), known) })).sort((a, b) => a.cost - b.cost)[0]!;
          const suggestion = nearest.cost <= 2 ? nearest.known : undefined;
          report(
            line,
            word,
            `vfio-pci has no parameter "${key}": the module logs "unknown parameter" and ignores it. vfio-pci's parameters: ${VFIO_PCI_KEYS.join(', ')}.` +
              (suggestion ? ` Did you mean ${suggestion}?` : ''),
            suggestion
              ? {
                  fix: 'replace-modprobe-word',
                  title: `Write ${suggestion}`,
                  args: { word: word.text, replacement: `${suggestion}${word.text.slice(key.length)}` },
                }
              : undefined,
          );
        }
      }
    }
    return findings;
  },
};
