// With boot.initrd.systemd.enable, NixOS refuses the scripted-initrd hooks: evaluation fails with
// "systemd stage 1 does not support 'boot.initrd.preDeviceCommands'" (the guide's driver_override
// loop lives there).
import type { Definition } from '../model/optionModel';
import { Finding, Rule } from './types';

export const INITRD_SCRIPTS_WITH_SYSTEMD_INITRD = 'initrd-scripts-with-systemd-initrd';

const SCRIPTED_HOOKS = [
  'boot.initrd.preDeviceCommands',
  'boot.initrd.postDeviceCommands',
  'boot.initrd.preLVMCommands',
  'boot.initrd.postMountCommands',
  'boot.initrd.extraUtilsCommands',
];

export const initrdScriptsWithSystemdInitrd: Rule = {
  code: INITRD_SCRIPTS_WITH_SYSTEMD_INITRD,
  severity: 'error',
  needsHardware: false,
  acrossViews: true,
  title: 'Scripted-initrd commands together with boot.initrd.systemd.enable',
  check({ views }) {
    const findings: Finding[] = [];
    const baseSystemd = views[0]!.definitions('boot.initrd.systemd.enable').some(enables);
    for (const view of views) {
      const systemd = view.definitions('boot.initrd.systemd.enable').filter(enables);
      if (systemd.length === 0) continue;
      for (const option of SCRIPTED_HOOKS) {
        for (const definition of view.definitions(option)) {
          if (definition.value.kind === 'string' && definition.value.parts.every((part) => part.kind === 'text' && part.text.trim() === '')) continue;
          if (!view.owns(definition)) {
            // A specialisation that turns the systemd initrd on while inheriting the base's scripts.
            const own = systemd.find((candidate) => view.owns(candidate));
            if (own && !baseSystemd) {
              findings.push({
                code: INITRD_SCRIPTS_WITH_SYSTEMD_INITRD,
                severity: 'error',
                message:
                  `Specialisation ${view.specialisation} turns on the systemd initrd but inherits ${option} from the base configuration: its evaluation fails ("systemd stage 1 does not support '${option}'"). ` +
                  `Clear it there (${option} = lib.mkForce "";) and bind the devices another way, or keep the scripted initrd.`,
                file: own.file,
                range: own.bindingRange,
              });
            }
            continue;
          }
          findings.push({
            code: INITRD_SCRIPTS_WITH_SYSTEMD_INITRD,
            severity: 'error',
            message:
              `${option} is not supported with boot.initrd.systemd.enable = true: evaluation fails ("systemd stage 1 does not support '${option}'"). ` +
              `Bind the devices with a udev rule per device in boot.initrd.services.udev.rules ` +
              `(ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0f:00.0", ATTR{driver_override}="vfio-pci", ATTR{subsystem/drivers_probe}="$kernel"), or turn the systemd initrd off.`,
            file: definition.file,
            range: definition.value.range,
            // The guide's loop alone becomes udev rules (the analysis drops the fix when the script does more).
            ...(option === 'boot.initrd.preDeviceCommands'
              ? {
                  fix: {
                    fix: 'override-script-to-udev' as const,
                    title: 'Bind the same devices with udev rules instead',
                    args: view.specialisation === undefined ? {} : { specialisation: view.specialisation },
                  },
                }
              : {}),
          });
        }
      }
    }
    return findings;
  },
};

function enables(definition: Definition): boolean {
  return definition.value.kind === 'bool' && definition.value.value;
}
