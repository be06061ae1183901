// Blacklisting the GPU driver that services.xserver.videoDrivers (or hardware.nvidia) asks for:
// the display stack then loads or expects a driver the blacklist forbids, which ends in a host
// without graphics or a driver that still binds the card.
import { knownText } from '../model/values';
import { AMDGPU_INITRD_OPTIONS } from '../vfio/gpuDrivers';
import { blacklistedModules } from '../vfio/modprobeConfig';
import { Finding, Rule } from './types';

export const GPU_DRIVER_BLACKLISTED_BUT_USED = 'gpu-driver-blacklisted-but-used';

const VIDEO_DRIVER_MODULES: Record<string, string> = {
  nvidia: 'nvidia',
  amdgpu: 'amdgpu',
  radeon: 'radeon',
  nouveau: 'nouveau',
  intel: 'i915',
  modesetting: '',
};

export const gpuDriverBlacklistedButUsed: Rule = {
  code: GPU_DRIVER_BLACKLISTED_BUT_USED,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A GPU driver blacklisted while the display setup uses it',
  check({ views }) {
    const findings: Finding[] = [];
    const reportedNvidia = new Set<Finding>();
    for (const view of views) {
      const denied = blacklistedModules(view);
      if (denied.size === 0) continue;
      for (const definition of view.definitions('services.xserver.videoDrivers')) {
        if (definition.value.kind !== 'list' || !view.owns(definition)) continue;
        for (const item of definition.value.items) {
          const module = VIDEO_DRIVER_MODULES[knownText(item.value) ?? ''];
          if (!module || !denied.has(module)) continue;
          const finding: Finding = {
            code: GPU_DRIVER_BLACKLISTED_BUT_USED,
            severity: 'warning',
            message:
              `services.xserver.videoDrivers asks for ${module}, but ${denied.get(module)!.where} forbids it. ` +
              `To keep ${module} off the card you pass through, bind that card to vfio-pci early (initrd, softdep) and leave ${module} for the host's own GPU; if the host does not use ${module}, remove it from videoDrivers.`,
            file: definition.file,
            range: item.range,
          };
          findings.push(finding);
          if (module === 'nvidia') reportedNvidia.add(finding);
        }
      }
      const nvidiaSettings = view.definitionsUnder('hardware.nvidia').filter((definition) => view.owns(definition));
      if (denied.has('nvidia') && nvidiaSettings.length > 0 && reportedNvidia.size === 0) {
        findings.push({
          code: GPU_DRIVER_BLACKLISTED_BUT_USED,
          severity: 'warning',
          message: `hardware.nvidia is configured, but ${denied.get('nvidia')!.where} forbids nvidia. Keep one: the NVIDIA driver for the host, or the blacklist (with vfio-pci binding the card early).`,
          file: nvidiaSettings[0]!.file,
          range: nvidiaSettings[0]!.bindingRange,
        });
      }
      const amdgpuInitrd = AMDGPU_INITRD_OPTIONS.flatMap((option) => view.definitions(option)).find(
        (definition) => definition.value.kind === 'bool' && definition.value.value && view.owns(definition),
      );
      if (denied.has('amdgpu') && amdgpuInitrd) {
        const systemdInitrd = view.definitions('boot.initrd.systemd.enable').some((definition) => definition.value.kind === 'bool' && definition.value.value);
        findings.push({
          code: GPU_DRIVER_BLACKLISTED_BUT_USED,
          severity: 'warning',
          message:
            `${amdgpuInitrd.path.join('.')} loads amdgpu in the initrd, but ${denied.get('amdgpu')!.where} forbids it. ` +
            (systemdInitrd
              ? 'The systemd initrd skips it ("deny-listed (by kmod)") and udev honours the blacklist too, so the option does nothing and amdgpu drives no card, the host\'s included. '
              : 'The scripted initrd loads it anyway (an explicit modprobe ignores the blacklist), so the blacklist does not keep amdgpu off a card. ') +
            'To pass an AMD card through, bind it to vfio-pci in the initrd with "softdep amdgpu pre: vfio-pci"; keep one of the two settings.',
          file: amdgpuInitrd.file,
          range: amdgpuInitrd.bindingRange,
        });
      }
    }
    return findings;
  },
};
