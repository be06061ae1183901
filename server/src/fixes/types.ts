// A fix turns a finding's semantic request (add this item, remove that one) into minimal text
// edits against the current model. A fix whose work is already done returns no edits, so
// applying a fix twice changes nothing more.
import type { OptionModel } from '../model/optionModel';
import type { BindingVia } from '../vfio/vfioBindings';
import type { TextRange } from '../text';

export interface FileEdit {
  file: string;
  range: TextRange;
  newText: string;
}

/**
 * Every fix id with its arguments: the one catalogue rules, editor features and the fix registry
 * are checked against. Arguments are semantic (what to change), never offsets, so a fix recomputed
 * on edited text stays right; lists are arrays, never strings joined with commas.
 */
export interface FixArguments {
  'add-binding': { option: string; value: string };
  /** `modules`: items are kernel module names, where `vfio-pci` and `vfio_pci` are one. */
  'add-list-item': { option: string; item: string; specialisation?: string; modules?: boolean };
  'add-list-items': { option: string; items: readonly string[]; modules?: boolean };
  /** `line` may hold several lines (separated by newlines): the missing ones are added together. */
  'add-modprobe-line': { line: string };
  'add-override-script': { addresses: readonly string[]; specialisation?: string };
  'add-vfio-ids': { via: BindingVia; tokens: readonly string[] };
  'bind-by-address': { ids: readonly string[]; addresses: readonly string[]; specialisation?: string };
  /** The driver_override loop of preDeviceCommands rewritten as udev rules (systemd initrd). */
  'override-script-to-udev': { specialisation?: string };
  'remove-binding': { option: string };
  'remove-list-item': { option: string; item: string };
  /** A kernel config answer in boot.kernelPatches (`NAME value`), with its line. */
  'remove-kernel-config-answer': { name: string; value: string };
  'remove-vfio-token': { via: BindingVia; token: string };
  'rename-option': { from: string; to: string };
  'replace-list-item': { option: string; item: string; replacement: string };
  /** `after`/`before` narrow it to a word between two others. */
  'replace-modprobe-word': { word: string; replacement: string; after?: string; before?: string };
  'replace-vfio-token': { via: BindingVia; token: string; replacement: string };
  /** The `ids` assignment (named by where and the ids it holds) a later one replaces goes; `merge`: its other ids join the winner first. */
  'resolve-overridden-ids': { via: 'kernel-param' | 'modprobe'; tokens: readonly string[]; merge?: boolean };
  'split-list-item': { option: string; item: string };
  'string-to-list': { option: string; text: string };
  'suppress-on-binding-line': { code: string; via: BindingVia; token: string };
  /** vfio_pci written into driver_override by the option's scripts or udev rules becomes vfio-pci. */
  'write-vfio-driver-name': { option: string };
  /** Several fixes as one; their edits must not overlap. */
  'all-of': { steps: readonly FixRequest[] };
}

export type FixId = keyof FixArguments;

/** Asks the fix registry for one fix: keyed by its id, so a misspelt id or a wrong argument fails the type check. */
export type FixRequest = { [Id in FixId]: { fix: Id; title: string; args: FixArguments[Id] } }[FixId];

export interface Fix<Id extends FixId = FixId> {
  id: Id;
  edits(model: OptionModel, args: FixArguments[Id]): FileEdit[];
}
