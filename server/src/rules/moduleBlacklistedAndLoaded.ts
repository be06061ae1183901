// A module both blacklisted and listed for loading: the blacklist stops stage-2 loads
// (systemd-modules-load says "deny-listed (by kmod)") and udev autoloading, but not the scripted
// initrd's explicit modprobe, so what happens depends on where it is listed and which initrd.
import { MODULE_OPTIONS, ownedModules } from '../vfio/kernelModules';
import { blacklistedModules } from '../vfio/modprobeConfig';
import { Rule, ViewFinding } from './types';

export const MODULE_BLACKLISTED_AND_LOADED = 'module-blacklisted-and-loaded';

export const moduleBlacklistedAndLoaded: Rule = {
  code: MODULE_BLACKLISTED_AND_LOADED,
  severity: 'warning',
  needsHardware: false,
  title: 'A module both blacklisted and listed for loading',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    // Each entry is judged alone: only those the view owns, and the blacklist is read only for them.
    const entries = ownedModules(view, MODULE_OPTIONS);
    if (entries.length === 0) return findings;
    const denied = blacklistedModules(view);
    // The systemd initrd loads boot.initrd.kernelModules through modules-load.d, with the
    // blacklist in its modprobe.d; the scripted one runs modprobe on each name.
    const systemdInitrd = view.definitions('boot.initrd.systemd.enable').some((definition) => definition.value.kind === 'bool' && definition.value.value);
    for (const entry of entries) {
      if (!denied.has(entry.name)) continue;
      const { spelling, where } = denied.get(entry.name)!;
      const source = (view.model.files.get(entry.definition.file)?.source ?? '').slice(entry.range.start, entry.range.end);
      const written = /^"([^"]*)"$/.exec(source)?.[1] ?? entry.name;
      const effect =
        entry.option === 'boot.kernelModules'
          ? 'at boot systemd-modules-load skips it ("deny-listed (by kmod)")'
          : entry.option === 'boot.initrd.kernelModules'
            ? systemdInitrd
              ? 'the systemd initrd loads that list with systemd-modules-load, which skips it ("deny-listed (by kmod)"), so it is not loaded early at all'
              : 'the scripted initrd still loads it (an explicit modprobe ignores the blacklist), so the blacklist does not keep it off the card'
            : 'it is put into the initrd, but udev will not load it there';
      findings.push({
        owner: entry.definition,
        code: MODULE_BLACKLISTED_AND_LOADED,
        severity: 'warning',
        message: `${written} is in ${entry.option} and blacklisted in ${where}${spelling !== written ? ` (as "${spelling}": - and _ name the same module)` : ''}: ${effect}. Keep it in one of the two.`,
        file: entry.definition.file,
        range: entry.range,
      });
    }
    return findings;
  },
};
