// Device nodes that reach the host's memory or a VM's (Looking Glass's /dev/kvmfr0 and
// /dev/shm/looking-glass, /dev/vfio/*) made writable by every user.
import { knownText } from '../model/values';
import type { Definition } from '../model/optionModel';
import { Rule, ViewFinding } from './types';

export const DEVICE_NODE_WORLD_WRITABLE = 'device-node-world-writable';

const SENSITIVE = /kvmfr|looking-glass|vfio/;

/** An octal mode whose last digit lets others write (0666, 0777, 666). */
function othersWrite(mode: string): boolean {
  return /^0?[0-7]{3}$/.test(mode) && (Number(mode[mode.length - 1]) & 2) !== 0;
}

export const deviceNodeWorldWritable: Rule = {
  code: DEVICE_NODE_WORLD_WRITABLE,
  severity: 'warning',
  needsHardware: false,
  title: 'A VM memory or VFIO device node writable by every user',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    const report = (definition: Definition, what: string, mode: string) =>
      findings.push({
        owner: definition,
        code: DEVICE_NODE_WORLD_WRITABLE,
        severity: 'warning',
        message:
          `${what} is made writable by every user (mode ${mode}): any local program can then read and write the VM's shared memory or drive the device. ` +
          'Give it to a group instead (MODE="0660", GROUP="kvm" or your user\'s group; for Looking Glass, 0660 owned by your user and the qemu-libvirtd or kvm group).',
        file: definition.file,
        range: definition.bindingRange,
      });
    for (const definition of view.definitions('services.udev.extraRules')) {
      for (const line of (knownText(definition.value) ?? '').split('\n')) {
        const mode = /MODE\s*:?=\s*"([0-7]+)"/.exec(line)?.[1];
        if (mode && SENSITIVE.test(line) && othersWrite(mode)) report(definition, `The udev rule "${line.trim()}"`, mode);
      }
    }
    for (const definition of view.definitions('systemd.tmpfiles.rules')) {
      if (definition.value.kind !== 'list') continue;
      for (const item of definition.value.items) {
        const fields = (knownText(item.value) ?? '').trim().split(/\s+/);
        if (fields.length >= 3 && SENSITIVE.test(fields[1]!) && othersWrite(fields[2]!)) report(definition, `The tmpfiles rule for ${fields[1]!}`, fields[2]!);
      }
    }
    return findings;
  },
};
