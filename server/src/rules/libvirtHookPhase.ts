// Per-guest hook folders (`qemu.d/<guest>/<operation>/<sub-operation>/`, the layout of the common
// hook helper) for an operation and sub-operation libvirt never passes together: the scripts in
// them never run. libvirt calls the qemu hook with these pairs only (libvirt docs, hooks).
import { textWithHoles } from '../model/values';
import type { Definition } from '../model/optionModel';
import { Finding, Rule } from './types';

export const LIBVIRT_HOOK_PHASE = 'libvirt-hook-phase';

/** The operation/sub-operation pairs libvirt calls the qemu hook with. */
const QEMU_PHASES = new Set([
  'prepare/begin',
  'start/begin',
  'started/begin',
  'stopped/end',
  'release/end',
  'migrate/begin',
  'restore/begin',
  'reconnect/begin',
  'attach/begin',
]);
const OPERATIONS = new Set(['prepare', 'start', 'started', 'stopped', 'release', 'migrate', 'restore', 'reconnect', 'attach', 'stop']);

const HOOK_PATH = /qemu\.d\/[^/\s"']+\/([a-z]+)\/([a-z]+)(?=\/|$|["'\s])/g;

export const libvirtHookPhase: Rule = {
  code: LIBVIRT_HOOK_PHASE,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A hook folder for an operation libvirt never calls',
  check({ views }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const report = (definition: Definition, text: string) => {
      for (const match of text.matchAll(HOOK_PATH)) {
        const phase = `${match[1]}/${match[2]}`;
        if (!OPERATIONS.has(match[1]!) || QEMU_PHASES.has(phase)) continue;
        const key = `${definition.file}:${definition.bindingRange.start}:${phase}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const right = [...QEMU_PHASES].filter((pair) => pair.startsWith(`${match[1]}/`));
        findings.push({
          code: LIBVIRT_HOOK_PHASE,
          severity: 'warning',
          message:
            `libvirt never calls the qemu hook with "${match[1]} ${match[2]}", so scripts in ${match[0]} never run. ` +
            (right.length > 0 ? `For ${match[1]} it is ${right.map((pair) => pair.replace('/', ' ')).join(', ')}. ` : '') +
            'libvirt calls: prepare begin, start begin, started begin (VM starting), stopped end, release end (VM stopped).',
          file: definition.file,
          range: definition.bindingRange,
        });
      }
    };
    for (const view of views) {
      for (const definition of view.definitionsUnder('environment.etc')) {
        if (view.owns(definition)) report(definition, definition.path[2] ?? '');
      }
      for (const option of ['systemd.tmpfiles.rules', 'systemd.services.libvirtd.preStart', 'system.activationScripts']) {
        for (const definition of view.definitionsUnder(option)) {
          if (!view.owns(definition)) continue;
          const value = definition.value;
          const texts = value.kind === 'list' ? value.items.map((item) => textWithHoles(item.value) ?? '') : [textWithHoles(value) ?? ''];
          for (const text of texts) report(definition, text);
        }
      }
    }
    return findings;
  },
};
