// vfio-pci's `ids` is one string parameter, and modprobe hands it the options lines first and the
// kernel command line's `vfio-pci.ids=` last (kmod), so only the last assignment counts: ids in
// the other place are ignored (not added). See vfio/effectiveIds.ts and docs/rules.md.
import type { HardwareSnapshot } from '../hardware/snapshot';
import { devicesFor, isDisplay } from '../vfio/devices';
import { describeAssignment, IdAssignment, idsOnlyIn } from '../vfio/effectiveIds';
import { idAssignments, vfioBindings } from '../vfio/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_IDS_OVERRIDDEN = 'vfio-ids-overridden';

/** Whether binding `ids` as well would take the boot GPU or the last display GPU left to the host. */
function takesHostDisplay(view: Parameters<typeof vfioBindings>[0], ids: IdAssignment['ids'], hardware: HardwareSnapshot | undefined): boolean {
  if (!hardware) return false;
  const added = ids.flatMap((binding) => devicesFor(binding, hardware)).filter(isDisplay);
  if (added.some((device) => device.bootVga)) return true;
  const bound = new Set(
    vfioBindings(view)
      .flatMap((binding) => devicesFor(binding, hardware))
      .map((device) => device.address),
  );
  for (const device of added) bound.add(device.address);
  const displays = hardware.devices.filter(isDisplay);
  return added.length > 0 && displays.every((device) => bound.has(device.address));
}

export const vfioIdsOverridden: Rule = {
  code: VFIO_IDS_OVERRIDDEN,
  severity: 'warning',
  // Nothing is lost when the ignored one names no id the winner lacks: a duplicate, not a fault.
  otherSeverities: ['info'],
  needsHardware: false,
  title: 'vfio-pci ids set in two places: the last one wins and the other is ignored',
  acrossViews: true,
  check({ views, hardware }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const ignored of idAssignments(view)) {
        const winner = ignored.overriddenBy;
        if (!winner || !view.owns(ignored.definition)) continue;
        const missing = idsOnlyIn(ignored, winner);
        const how =
          winner.via === 'kernel-param' && ignored.via === 'modprobe'
            ? 'modprobe reads the kernel command line after the modprobe.d files'
            : winner.via === 'kernel-param'
              ? 'it comes later on the kernel command line'
              : winner.definition !== ignored.definition && winner.file !== undefined && ignored.file !== undefined
                ? `modprobe reads the modprobe.d files in name order, ${winner.file} after ${ignored.file}`
                : 'it is written after it in the same value';
        const tokens = ignored.ids.map((binding) => binding.token);
        const what = !ignored.complete
          ? ' Part of this list cannot be read here, so no fix is offered.'
          : missing.length > 0
            ? ` So ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not bound to vfio-pci.`
            : ' It names no id the winner lacks, so it can go.';
        const remove: FixRequest = {
          fix: 'resolve-overridden-ids',
          title:
            missing.length > 0
              ? `Remove the ignored ${describeAssignment(ignored)} (${missing.join(', ')} ${missing.length === 1 ? 'stays' : 'stay'} unbound, as today)`
              : `Remove the ignored ${describeAssignment(ignored)}`,
          args: { via: ignored.via, tokens, merge: false },
        };
        const merge: FixRequest = {
          fix: 'resolve-overridden-ids',
          title: `Move ${missing.join(', ')} into ${describeAssignment(winner)} and remove the ignored one`,
          args: { via: ignored.via, tokens, merge: true },
        };
        // Merging binds more devices: not the preferred fix when that takes the host's display.
        const risky =
          missing.length > 0 &&
          takesHostDisplay(
            view,
            ignored.ids.filter((binding) => missing.includes(binding.token)),
            hardware,
          );
        const fixes: FixRequest[] = !ignored.complete ? [] : missing.length === 0 ? [remove] : risky ? [remove, merge] : [merge, remove];
        findings.push({
          code: VFIO_IDS_OVERRIDDEN,
          severity: ignored.complete && missing.length === 0 ? 'info' : 'warning',
          message:
            `vfio-pci ids are set in two places and only the last assignment counts (ids is one module parameter, not a list that adds up): ` +
            `${describeAssignment(winner)} wins, as ${how}; this ${describeAssignment(ignored)} is ignored.${what}`,
          file: ignored.definition.file,
          range: ignored.range,
          ...(fixes.length > 0 ? { fix: fixes[0], moreFixes: fixes.slice(1) } : {}),
        });
      }
    }
    return findings;
  },
};
