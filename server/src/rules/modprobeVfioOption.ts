// `options <module> key=value` lines for vfio-pci: a key vfio-pci does not have is ignored
// (modprobe passes it on, the module logs "unknown parameter"), and a module name written with
// its parameter (`options vfio-pci.ids=…`, `options vfio ids=…`) sets nothing.
import { HOLE } from '../model/values';
import { modprobeLines } from './facts/modprobeConfig';
import { editDistance } from './facts/editDistance';
import { Finding, Rule } from './types';

export const MODPROBE_VFIO_OPTION = 'modprobe-vfio-option';

const VFIO_PCI_KEYS = ['ids', 'nointxmask', 'disable_vga', 'disable_idle_d3', 'enable_sriov', 'disable_denylist'];


export const modprobeVfioOption: Rule = {
  code: MODPROBE_VFIO_OPTION,
  severity: 'warning',
  title: 'An options line for vfio-pci with an unknown key or a misspelt module name',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const line of modprobeLines(view)) {
        if (!view.owns(line.definition) || line.words[0]?.text !== 'options' || line.words.length < 2) continue;
        const module = line.words[1].text;
        if (module.includes(HOLE)) continue;
        const dotted = /^(vfio[-_]pci)\.(\w+)=/.exec(module);
        if (dotted || (/^vfio$/.test(module) && line.words.slice(2).some((word) => word.text.startsWith('ids=')))) {
          const range = line.words[1].range;
          findings.push({
            code: MODPROBE_VFIO_OPTION,
            severity: 'warning',
            message: dotted
              ? `"${module}" joins the module and its parameter the way the kernel command line does; in modprobe config it is "options ${dotted[1]} ${module.slice(dotted[1].length + 1)}". As written it sets nothing.`
              : '"ids" is a parameter of vfio-pci, not of vfio: "options vfio ids=…" sets nothing. Write "options vfio-pci ids=…".',
            file: line.definition.file,
            range: range ?? line.range,
            fix:
              range && dotted
                ? { fix: 'replace-modprobe-word', title: `Write "${dotted[1]} ${module.slice(dotted[1].length + 1)}"`, args: { word: module, replacement: `${dotted[1]} ${module.slice(dotted[1].length + 1)}` } }
                : range
                  ? { fix: 'replace-modprobe-word', title: 'Write vfio-pci', args: { word: module, replacement: 'vfio-pci', after: 'options', before: 'ids=' } }
                  : undefined,
          });
          continue;
        }
        if (!/^vfio[-_]pci$/.test(module)) continue;
        for (const word of line.words.slice(2)) {
          const key = word.text.split('=')[0];
          if (key.includes(HOLE) || VFIO_PCI_KEYS.includes(key)) continue;
          const nearest = VFIO_PCI_KEYS.map((known) => ({ known, cost: editDistance(key, known) })).sort((a, b) => a.cost - b.cost)[0];
          const suggestion = nearest.cost <= 2 ? nearest.known : undefined;
          findings.push({
            code: MODPROBE_VFIO_OPTION,
            severity: 'warning',
            message:
              `vfio-pci has no parameter "${key}"; it is ignored. vfio-pci's parameters: ${VFIO_PCI_KEYS.join(', ')}.` + (suggestion ? ` Did you mean ${suggestion}?` : ''),
            file: line.definition.file,
            range: word.range ?? line.range,
            fix:
              suggestion && word.range
                ? { fix: 'replace-modprobe-word', title: `Write ${suggestion}`, args: { word: word.text, replacement: `${suggestion}${word.text.slice(key.length)}` } }
                : undefined,
          });
        }
      }
    }
    return findings;
  },
};
