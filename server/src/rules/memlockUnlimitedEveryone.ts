// security.pam.loginLimits giving every user (`*`) unlimited locked memory: any user can then pin
// all of RAM. VFIO needs memlock for the user running the VM (libvirt raises it for its own QEMU).
import { Rule, ViewFinding } from './types';

export const MEMLOCK_UNLIMITED_EVERYONE = 'memlock-unlimited-everyone';

const MESSAGES = {
  everyone:
    'Every user ("*") may lock unlimited memory: any local user can pin all of RAM and starve the host. ' +
    'Give the limit to the user or group that runs the VM instead (domain = "@libvirtd" or your user name); libvirt raises the limit for the QEMU it starts by itself.',
} as const;

export const memlockUnlimitedEveryone: Rule = {
  messages: MESSAGES,
  code: MEMLOCK_UNLIMITED_EVERYONE,
  severity: 'warning',
  needsHardware: false,
  title: 'Unlimited locked memory for every user',
  checkView({ model, view }) {
    const findings: ViewFinding[] = [];
    for (const definition of view.definitions('security.pam.loginLimits')) {
      if (definition.value.kind !== 'list') continue;
      const source = model.files.get(definition.file)?.source;
      if (!source) continue;
      for (const item of definition.value.items) {
        if (item.value.kind !== 'attrs') continue;
        // The entry as written: `{ domain = "*"; item = "memlock"; type = "-"; value = "unlimited"; }`.
        const text = source.slice(item.range.start, item.range.end);
        const field = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(text)?.[1];
        const value = field('value') ?? /\bvalue\s*=\s*(-?\d+)/.exec(text)?.[1];
        if (field('domain') !== '*' || field('item') !== 'memlock' || !value || !/^(unlimited|infinity|-1)$/.test(value)) continue;
        findings.push({
          owner: definition,
          code: MEMLOCK_UNLIMITED_EVERYONE,
          severity: 'warning',
          message: MESSAGES.everyone,
          file: definition.file,
          range: item.range,
        });
      }
    }
    return findings;
  },
};
