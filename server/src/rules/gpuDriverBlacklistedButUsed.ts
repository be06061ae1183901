// Blacklisting the GPU driver that services.xserver.videoDrivers (or hardware.nvidia) asks for:
// the display stack then loads or expects a driver the blacklist forbids, which ends in a host
// without graphics or a driver that still binds the card.
import { knownText } from '../model/values';
import { blacklisted } from './facts/kernelModules';
import { Finding, Rule } from './types';

export const GPU_DRIVER_BLACKLISTED_BUT_USED = 'gpu-driver-blacklisted-but-used';

const VIDEO_DRIVER_MODULES: Record<string, string> = { nvidia: 'nvidia', amdgpu: 'amdgpu', radeon: 'radeon', nouveau: 'nouveau', intel: 'i915', modesetting: '' };

export const gpuDriverBlacklistedButUsed: Rule = {
  code: GPU_DRIVER_BLACKLISTED_BUT_USED,
  severity: 'warning',
  title: 'A GPU driver blacklisted while the display setup uses it',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const denied = blacklisted(view);
      if (denied.size === 0) continue;
      for (const definition of view.definitions('services.xserver.videoDrivers')) {
        if (definition.value.kind !== 'list' || !view.owns(definition)) continue;
        for (const item of definition.value.items) {
          const module = VIDEO_DRIVER_MODULES[knownText(item.value) ?? ''];
          if (!module || !denied.has(module)) continue;
          findings.push({
            code: GPU_DRIVER_BLACKLISTED_BUT_USED,
            severity: 'warning',
            message:
              `services.xserver.videoDrivers asks for ${module}, but boot.blacklistedKernelModules forbids it. ` +
              `To keep ${module} off the card you pass through, bind that card to vfio-pci early (initrd, softdep) and leave ${module} for the host's own GPU; if the host does not use ${module}, remove it from videoDrivers.`,
            file: definition.file,
            range: item.range,
          });
        }
      }
      const nvidiaSettings = view.definitionsUnder('hardware.nvidia').filter((definition) => view.owns(definition));
      if (denied.has('nvidia') && nvidiaSettings.length > 0 && !findings.some((finding) => finding.message.includes('asks for nvidia'))) {
        findings.push({
          code: GPU_DRIVER_BLACKLISTED_BUT_USED,
          severity: 'warning',
          message: 'hardware.nvidia is configured, but boot.blacklistedKernelModules forbids nvidia. Keep one: the NVIDIA driver for the host, or the blacklist (with vfio-pci binding the card early).',
          file: nvidiaSettings[0].file,
          range: nvidiaSettings[0].bindingRange,
        });
      }
    }
    return findings;
  },
};
