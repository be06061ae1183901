// qemu.conf settings written into virtualisation.libvirtd.extraConfig, which is libvirtd.conf:
// libvirtd does not read them there, so QEMU keeps running as it did.
import { charSources, sourceRangeOf } from '../model/values';
import { Rule, ViewFinding } from './types';

export const LIBVIRTD_CONFIG_QEMU_SETTING = 'libvirtd-config-qemu-setting';

/** Settings of qemu.conf (libvirt's src/qemu/qemu.conf.in) that people put in libvirtd.conf. */
const QEMU_CONF_KEYS = new Set([
  'user',
  'group',
  'cgroup_device_acl',
  'nvram',
  'security_driver',
  'dynamic_ownership',
  'namespaces',
  'clear_emulator_capabilities',
  'vnc_listen',
  'spice_listen',
]);

export const libvirtdConfigQemuSetting: Rule = {
  code: LIBVIRTD_CONFIG_QEMU_SETTING,
  severity: 'warning',
  needsHardware: false,
  title: 'A qemu.conf setting in virtualisation.libvirtd.extraConfig (libvirtd.conf)',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const definition of view.definitions('virtualisation.libvirtd.extraConfig')) {
      const mapped = charSources(definition.value);
      if (!mapped) continue;
      let offset = 0;
      for (const line of mapped.text.split('\n')) {
        const start = offset;
        offset += line.length + 1;
        const key = /^\s*([a-z_]+)\s*=/.exec(line);
        if (!key || !QEMU_CONF_KEYS.has(key[1]!)) continue;
        const at = start + line.indexOf(key[1]!);
        findings.push({
          owner: definition,
          code: LIBVIRTD_CONFIG_QEMU_SETTING,
          severity: 'warning',
          message:
            `"${line.trim()}" is a qemu.conf setting, but virtualisation.libvirtd.extraConfig is appended to libvirtd.conf, where it is not read. ` +
            'Put it in virtualisation.libvirtd.qemu.verbatimConfig (qemu.conf), keeping its default "namespaces = []" line there.',
          file: definition.file,
          range: sourceRangeOf(mapped, at, at + key[1]!.length) ?? definition.value.range,
        });
      }
    }
    return findings;
  },
};
