// With boot.initrd.systemd.enable, NixOS refuses the scripted-initrd hooks: evaluation fails with
// "systemd stage 1 does not support 'boot.initrd.preDeviceCommands'" (the guide's driver_override
// loop lives there).
import { Finding, Rule } from './types';

export const INITRD_SCRIPTS_WITH_SYSTEMD_INITRD = 'initrd-scripts-with-systemd-initrd';

const SCRIPTED_HOOKS = ['boot.initrd.preDeviceCommands', 'boot.initrd.postDeviceCommands', 'boot.initrd.preLVMCommands', 'boot.initrd.postMountCommands', 'boot.initrd.extraUtilsCommands'];

export const initrdScriptsWithSystemdInitrd: Rule = {
  code: INITRD_SCRIPTS_WITH_SYSTEMD_INITRD,
  severity: 'error',
  title: 'Scripted-initrd commands together with boot.initrd.systemd.enable',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const systemd = view.definitions('boot.initrd.systemd.enable').some((definition) => definition.value.kind === 'bool' && definition.value.value);
      if (!systemd) continue;
      for (const option of SCRIPTED_HOOKS) {
        for (const definition of view.definitions(option)) {
          if (!view.owns(definition) || (definition.value.kind === 'string' && definition.value.parts.every((part) => part.kind === 'text' && part.text.trim() === ''))) continue;
          findings.push({
            code: INITRD_SCRIPTS_WITH_SYSTEMD_INITRD,
            severity: 'error',
            message:
              `${option} is not supported with boot.initrd.systemd.enable = true: evaluation fails ("systemd stage 1 does not support '${option}'"). ` +
              `Bind the devices with a udev rule or a unit in boot.initrd.systemd.services ordered before systemd-udev-trigger, or turn the systemd initrd off.`,
            file: definition.file,
            range: definition.value.range,
          });
        }
      }
    }
    return findings;
  },
};
