// Where a fix's new setting belongs when the passthrough it completes is written under a guard
// (`config = lib.mkIf cfg.vfio { boot.kernelParams = [ "vfio-pci.ids=…" ]; }`): inside that same
// set, so it is on exactly when the binding is. Put beside unconditional settings instead, it would
// load vfio modules or bind devices on boots where the user turned passthrough off.
import { AttrsetScope, configView, Definition, OptionModel } from '../model/optionModel';
import type { TextRange } from '../text';
import { vfioBindings } from '../vfio/vfioBindings';

export interface Guard {
  file: string;
  range: TextRange;
}

const inside = (range: TextRange, outer: TextRange) => outer.start <= range.start && range.end <= outer.end;

/**
 * The innermost conditional set (among `scopes`) that holds every vfio-pci binding of the view;
 * undefined when one of them is unconditional, or when they are not all in one such set.
 */
export function vfioGuard(model: OptionModel, scopes: readonly AttrsetScope[], specialisation?: string): Guard | undefined {
  const definitions = [
    ...new Set(
      vfioBindings(configView(model, specialisation))
        .map((binding) => binding.definition)
        .filter((definition) => definition.specialisation === specialisation),
    ),
  ];
  if (definitions.length === 0 || definitions.some((definition) => definition.conditions.length === 0 && !definition.guards)) return undefined;
  const file = definitions[0]!.file;
  if (definitions.some((definition) => definition.file !== file)) return undefined;
  const holding = scopes.filter(
    (scope) => scope.conditional && scope.file === file && definitions.every((definition) => inside(definition.bindingRange, scope.range)),
  );
  const innermost = holding.sort((a, b) => a.range.end - a.range.start - (b.range.end - b.range.start))[0];
  return innermost && { file: innermost.file, range: innermost.range };
}

/** Whether `definition` is written inside the guard. */
export function inGuard(definition: Definition, guard: Guard | undefined): boolean {
  return guard !== undefined && definition.file === guard.file && inside(definition.bindingRange, guard.range);
}

/** Whether `scope` is the guard's set or one nested in it. */
export function scopeInGuard(scope: AttrsetScope, guard: Guard): boolean {
  return scope.file === guard.file && inside(scope.range, guard.range);
}
