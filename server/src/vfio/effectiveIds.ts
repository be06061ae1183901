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
  /**
   * For an options line: the modprobe.d file kmod reads it from, when its place among the files
   * is certain (modprobeFiles.ts); kmod reads the files in name order.
   */
  file?: string;
  /** The assignment that certainly comes later and so replaces this one's ids. */
  overriddenBy?: IdAssignment;
}

/** `a`'s conditions all hold whenever `b`'s do. */
function impliedBy(a: readonly string[], b: readonly string[]): boolean {
  return a.every((condition) => b.includes(condition));
}

const allConditions = (assignment: IdAssignment): readonly string[] => [...assignment.definition.conditions, ...assignment.conditions];

/** Whether `later` is in a modprobe.d file kmod certainly reads after `earlier`'s (names compared as strcmp does). */
function laterFile(later: IdAssignment, earlier: IdAssignment): boolean {
  return later.file !== undefined && earlier.file !== undefined && later.file > earlier.file;
}

/** Whether `later` certainly applies after `earlier` whenever `earlier` applies (each with its conditions). */
function overridesGiven(later: IdAssignment, earlier: IdAssignment, laterConditions: readonly string[], earlierConditions: readonly string[]): boolean {
  if (later === earlier) return false;
  if (!impliedBy(laterConditions, earlierConditions)) return false;
  if (later.via === 'kernel-param' && earlier.via === 'modprobe') return true;
  if (later.via === 'modprobe' && earlier.via === 'modprobe' && laterFile(later, earlier)) return true;
  return later.via === earlier.via && later.definition === earlier.definition && later.order > earlier.order;
}

/**
 * Sets `overriddenBy` to the last assignment that certainly replaces each one: the first (in
 * `assignments` order) of those that replace it and that nothing replaces in turn. The relation is
 * transitive and only ever points from a kernel parameter to an options line or to a later place in
 * the same definition, so assignments are compared only within those groups: a thousand lines in one
 * text cost about as much as ten times a hundred.
 */
export function markOverridden(assignments: IdAssignment[]): void {
  const conditions = new Map(assignments.map((assignment) => [assignment, allConditions(assignment)] as const));
  const overrides = (later: IdAssignment, earlier: IdAssignment) => overridesGiven(later, earlier, conditions.get(later)!, conditions.get(earlier)!);
  const position = new Map(assignments.map((assignment, index) => [assignment, index] as const));
  // Places: one definition's kernel parameters, or its options lines.
  const places = new Map<Definition, Map<IdAssignment['via'], IdAssignment[]>>();
  for (const assignment of assignments) {
    const byVia = places.get(assignment.definition) ?? new Map<IdAssignment['via'], IdAssignment[]>();
    places.set(assignment.definition, byVia);
    const place = byVia.get(assignment.via);
    if (place) place.push(assignment);
    else byVia.set(assignment.via, [assignment]);
  }
  // Within a place, one written later with the same conditions replaces an earlier one: only the
  // last of each condition set can be unreplaced.
  const candidates: IdAssignment[] = [];
  for (const byVia of places.values()) {
    for (const place of byVia.values()) {
      const lastOfConditions = new Map<string, IdAssignment>();
      for (const assignment of place) {
        const key = [...new Set(conditions.get(assignment))].sort().join('\u0000');
        const seen = lastOfConditions.get(key);
        if (!seen || assignment.order > seen.order) lastOfConditions.set(key, assignment);
      }
      candidates.push(...lastOfConditions.values());
    }
  }
  const rivals = (assignment: IdAssignment, among: readonly IdAssignment[]) => [
    ...(assignment.via === 'modprobe' ? among.filter((other) => other.via === 'kernel-param' || laterFile(other, assignment)) : []),
    ...among.filter((other) => other.definition === assignment.definition && other.via === assignment.via),
  ];
  const unreplaced = candidates.filter((candidate) => !rivals(candidate, candidates).some((other) => overrides(other, candidate)));
  const unreplacedKernelParams = unreplaced.filter((assignment) => assignment.via === 'kernel-param');
  // Options lines in modprobe.d files whose order is known: few files, so few of these.
  const unreplacedInFiles = unreplaced.filter((assignment) => assignment.via === 'modprobe' && assignment.file !== undefined);
  const unreplacedByPlace = new Map<Definition, IdAssignment[]>();
  for (const assignment of unreplaced) {
    const place = unreplacedByPlace.get(assignment.definition);
    if (place) place.push(assignment);
    else unreplacedByPlace.set(assignment.definition, [assignment]);
  }
  for (const earlier of assignments) {
    const among = [
      ...(earlier.via === 'modprobe' ? [...unreplacedKernelParams, ...unreplacedInFiles.filter((other) => laterFile(other, earlier))] : []),
      ...(unreplacedByPlace.get(earlier.definition) ?? []),
    ];
    const winners = among.filter((winner) => overrides(winner, earlier));
    earlier.overriddenBy = winners.sort((a, b) => position.get(a)! - position.get(b)!)[0];
  }
}

/** How an assignment is named in messages. */
export function describeAssignment(assignment: IdAssignment): string {
  if (assignment.via === 'kernel-param') return `"vfio-pci.ids=" in boot.kernelParams (kernel command line)`;
  const [environment, etc, name] = assignment.definition.path;
  // A file written with environment.etc is named by where it lands.
  if (environment === 'environment' && etc === 'etc' && name !== undefined) return `"options vfio-pci ids=" in /etc/${name}`;
  return `"options vfio-pci ids=" in ${assignment.definition.path.join('.')}`;
}

/** The ids `ignored` names that `winner` does not, as written. */
export function idsOnlyIn(ignored: IdAssignment, winner: IdAssignment): string[] {
  const kept = new Set(winner.ids.map((binding) => binding.token.toLowerCase()));
  return [...new Set(ignored.ids.map((binding) => binding.token).filter((token) => !kept.has(token.toLowerCase())))];
}
