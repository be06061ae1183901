// Options of type `lines` (shell hooks, modprobe config) take strings only. A list given to one
// (`boot.extraModprobeConfig = if ids != [ ] then "…" else [ ];`) fails the module system's type
// check: certainly when it is the value, only when its branch is taken when it is one side of an
// `if` the model cannot settle.
import type { SyntaxNode } from '../parse/nixParser';
import type { Evaluator } from './evaluate';
import { pathKey } from './optionModel';
import type { Scope } from './scope';
import { typeError, Value } from './values';

/** NixOS options declared `types.lines` (nixos/modules/system/boot/modprobe.nix, stage-1.nix, stage-2.nix). */
export const LINES_OPTIONS = new Set([
  'boot.extraModprobeConfig',
  'boot.initrd.preLVMCommands',
  'boot.initrd.preDeviceCommands',
  'boot.initrd.postDeviceCommands',
  'boot.postBootCommands',
]);

/** lib/types.nix: `lines = separatedString "\n"`, described as strings concatenated with "\n". */
const LINES_DESCRIPTION = 'strings concatenated with "\\n"';

/** lib/modules.nix's message for a definition that fails the option type's check. */
function notOfType(option: string): string {
  return `A definition for option \`${option}' is not of type \`${LINES_DESCRIPTION}'`;
}

/**
 * The definition's value when `path` is a `lines` option given a list (the error Nix gives in its
 * place, certain unless the definition or the branch is under a condition); undefined otherwise.
 */
export function linesOptionValue(path: readonly string[], node: SyntaxNode, scope: Scope, evaluator: Evaluator, conditional: boolean): Value | undefined {
  const option = pathKey(path);
  if (!LINES_OPTIONS.has(option)) return undefined;
  const value = evaluator.evaluate(node, scope);
  if (value.kind === 'list') return typeError(value.range, notOfType(option), !conditional);
  if (value.kind !== 'unknown' || value.typeError) return value;
  const branches = evaluator.branchesOf(node, scope);
  if (!branches) return value;
  const lists = branches.flatMap((branch) => {
    const read = evaluator.evaluate(branch.node, scope);
    return read.kind === 'list' ? [{ range: read.range, condition: branch.condition }] : [];
  });
  const [first] = lists;
  if (!first) return value;
  // Both sides lists: whichever is taken fails.
  if (lists.length === branches.length) return typeError(first.range, notOfType(option), !conditional);
  return typeError(first.range, `${notOfType(option)} (the value is this list when ${first.condition})`, false);
}
