// Where a new binding `a.b.c = …;` cannot go: beside `a.b = <expression>;` in the same set. Nix
// merges `a.b = { … }; a.b.c = …;` only when `a.b` is a plain attribute set literal; next to
// `a.b = lib.mkIf cond { … };`, `a.b = import ./b.nix;`, `rec { … }` or `x // y` it fails with
// "attribute 'a.b' already defined". Such a set is passed over: the binding goes into the set
// inside the mkIf when the model has it as a place (it is then among the candidates), else no
// fix is offered.
import { AttrsetScope, bindingsNamed, OptionModel } from '../model/optionModel';

type Binding = AttrsetScope['bindings'][number];

function startsWith(path: readonly string[], prefix: readonly (string | undefined)[]): boolean {
  return prefix.length <= path.length && prefix.every((name, index) => name === path[index]);
}

/**
 * The set literal a binding's value is, written plainly (`name = { … };`), among `candidates`;
 * undefined when the value is anything else.
 */
function plainSetValue(model: OptionModel, scope: AttrsetScope, binding: Binding, candidates: readonly AttrsetScope[]): AttrsetScope | undefined {
  const text = model.files.get(scope.file)?.source;
  if (!text) return undefined;
  const full = [...scope.prefix, ...(binding.names as string[])];
  return candidates.find(
    (inner) =>
      inner.file === scope.file &&
      inner.specialisation === scope.specialisation &&
      inner.prefix.length === full.length &&
      startsWith(inner.prefix, full) &&
      inner.range.start > binding.range.start &&
      inner.range.end <= binding.range.end &&
      /=\s*$/.test(text.slice(binding.range.start, inner.range.start)) &&
      /^\s*;?\s*$/.test(text.slice(inner.range.end, binding.range.end)),
  );
}

/**
 * Whether writing `path` (relative to the scope's prefix) in `scope` would redefine an attribute
 * the scope, or a plain set literal nested in it on the way to `path`, binds to an expression.
 * `candidates` are the places above `path` (attrsetsAbove), which hold those nested literals.
 */
export function blockedByExpression(model: OptionModel, scope: AttrsetScope, path: readonly string[], candidates: readonly AttrsetScope[]): boolean {
  const rest = path.slice(scope.prefix.length);
  if (rest.length < 2) return false;
  for (const binding of bindingsNamed(scope, rest[0]!)) {
    // Only a binding of a proper prefix of the new path (`a.b` for `a.b.c`) can clash.
    if (binding.names.length >= rest.length || !startsWith(rest, binding.names)) continue;
    const inner = plainSetValue(model, scope, binding, candidates);
    if (!inner || blockedByExpression(model, inner, path, candidates)) return true;
  }
  return false;
}
