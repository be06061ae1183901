// Which vfio-pci `ids` assignment takes effect when several are written (sources in docs/rules.md,
// "Boot timeline"). modprobe passes vfio-pci one option string: the `options vfio-pci …` lines of
// every modprobe.d file, in file order, then the `vfio-pci.<param>=` words of /proc/cmdline
// (kmod libkmod-config.c: kmod_config_new parses the files, then kmod_config_parse_kcmdline;
// libkmod-module.c kmod_module_get_options joins them in that order). The kernel applies the
// words in order and `ids` is one string (vfio_pci.c `module_param_string(ids, ids, …)`), so the
// LAST assignment wins: the kernel command line over any options line, and of two options lines
// the later one. Only orders the configuration settles are used: a parameter over an options
// line, and two assignments in one definition (its list or its text, in order). Two definitions'
// order is the module system's merge order, which the file does not show: both stay.
import type { Definition } from '../model/optionModel';
import type { ListItem } from '../model/values';
import type { TextRange } from '../text';
import type { VfioBinding } from './vfioBindings';

export interface IdAssignment {
  via: 'kernel-param' | 'modprobe';
  definition: Definition;
  /** The `vfio-pci.ids=…` list item, or the `options vfio-pci … ids=…` line (the whole value when it has no single place). */
  range: TextRange;
  /** Position in its definition: the list index, or the offset in the text. */
  order: number;
  /** `lib.optional(s)` conditions on the list item. */
  conditions: readonly string[];
  /** The ids it names (readable ones). */
  ids: VfioBinding[];
  /** False when part of the list is not known (interpolated). */
  complete: boolean;
  /** For a parameter: its list item. */
  item?: ListItem;
  /** For an options line: where it and its `ids=…` word are written (when written as is). */
  line?: { exact?: TextRange; word?: TextRange; onlyOption: boolean };
  /** The assignment that certainly comes later and so replaces this one's ids. */
  overriddenBy?: IdAssignment;
}

/** `a`'s conditions all hold whenever `b`'s do. */
function impliedBy(a: readonly string[], b: readonly string[]): boolean {
  return a.every((condition) => b.includes(condition));
}

/** Whether `later` certainly applies after `earlier` whenever `earlier` applies. */
export function certainlyOverrides(later: IdAssignment, earlier: IdAssignment): boolean {
  if (later === earlier) return false;
  const laterConditions = [...later.definition.conditions, ...later.conditions];
  const earlierConditions = [...earlier.definition.conditions, ...earlier.conditions];
  if (!impliedBy(laterConditions, earlierConditions)) return false;
  if (later.via === 'kernel-param' && earlier.via === 'modprobe') return true;
  return later.via === earlier.via && later.definition === earlier.definition && later.order > earlier.order;
}

/** Sets `overriddenBy` to the last assignment that certainly replaces each one. */
export function markOverridden(assignments: IdAssignment[]): void {
  for (const earlier of assignments) {
    const replacing = assignments.filter((later) => certainlyOverrides(later, earlier));
    // The winner is the one nothing replaces in turn.
    earlier.overriddenBy = replacing.find((later) => !replacing.some((other) => certainlyOverrides(other, later))) ?? replacing[replacing.length - 1];
  }
}

/** How an assignment is named in messages. */
export function describeAssignment(assignment: IdAssignment): string {
  return assignment.via === 'kernel-param'
    ? `"vfio-pci.ids=" in boot.kernelParams (kernel command line)`
    : `"options vfio-pci ids=" in ${assignment.definition.path.join('.')}`;
}

/** The ids `ignored` names that `winner` does not, as written. */
export function idsOnlyIn(ignored: IdAssignment, winner: IdAssignment): string[] {
  const kept = new Set(winner.ids.map((binding) => binding.token.toLowerCase()));
  return [...new Set(ignored.ids.map((binding) => binding.token).filter((token) => !kept.has(token.toLowerCase())))];
}
