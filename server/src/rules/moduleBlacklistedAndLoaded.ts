// A module both blacklisted and listed for loading: the blacklist stops stage-2 loads
// (systemd-modules-load says "deny-listed (by kmod)") and udev autoloading, but not the initrd's
// explicit modprobe, so what happens depends on where it is listed.
import { blacklisted, kernelModules, MODULE_OPTIONS } from './facts/kernelModules';
import { Finding, Rule } from './types';

export const MODULE_BLACKLISTED_AND_LOADED = 'module-blacklisted-and-loaded';

export const moduleBlacklistedAndLoaded: Rule = {
  code: MODULE_BLACKLISTED_AND_LOADED,
  severity: 'warning',
  title: 'A module both blacklisted and listed for loading',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const denied = blacklisted(view);
      for (const entry of kernelModules(view, MODULE_OPTIONS)) {
        if (!denied.has(entry.name) || !view.owns(entry.definition)) continue;
        const effect =
          entry.option === 'boot.kernelModules'
            ? 'at boot systemd-modules-load skips it ("deny-listed (by kmod)")'
            : entry.option === 'boot.initrd.kernelModules'
              ? 'the initrd still loads it (an explicit modprobe ignores the blacklist), so the blacklist does not keep it off the card'
              : 'it is put into the initrd, but udev will not load it there';
        findings.push({
          code: MODULE_BLACKLISTED_AND_LOADED,
          severity: 'warning',
          message: `${entry.name} is in boot.blacklistedKernelModules and in ${entry.option}: ${effect}. Keep it in one of the two.`,
          file: entry.definition.file,
          range: entry.range,
        });
      }
    }
    return findings;
  },
};
