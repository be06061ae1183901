// With `config` or `options` at its top, a module may hold nothing else but module structure
// (nixpkgs lib/modules.nix, unifyModuleSyntax): an option set beside them fails evaluation.
import type { SyntaxNode } from '../parse/nixParser';
import { detach } from './detach';
import type { UnreadRegion } from './optionModel';
import { attrPathNames } from './scope';

/** What a module with `config` or `options` may hold at its top. */
const MODULE_ATTRIBUTES = new Set(['imports', 'disabledModules', '_file', 'key', '_class', 'freeformType', 'options', 'config', 'meta']);

/** The bindings of a full-form module's top-level set that the module system rejects, each with Nix's message. */
export function strayModuleAttributes(bindingSet: SyntaxNode, file: string, specialisation: string | undefined): UnreadRegion[] {
  const stray: { name: string; node: SyntaxNode }[] = [];
  for (const child of bindingSet.namedChildren) {
    if (!child) continue;
    const names =
      child.type === 'binding'
        ? [attrPathNames(child.childForFieldName('attrpath')!)[0]]
        : child.type === 'inherit' || child.type === 'inherit_from'
          ? (child.childForFieldName('attrs')?.namedChildren ?? []).map((attr) => (attr ? detach(attr.text) : undefined))
          : [];
    for (const name of names) if (name !== undefined && !MODULE_ATTRIBUTES.has(name)) stray.push({ name, node: child });
  }
  const all = [...new Set(stray.map((entry) => entry.name))].join(' ');
  return stray.map(({ name, node }) => ({
    file,
    prefix: [],
    range: { start: node.startIndex, end: node.endIndex },
    reason: `unsupported attribute ${name}`,
    specialisation,
    moduleError:
      `Module has an unsupported attribute \`${name}'. This is caused by introducing a top-level \`config' or \`options' attribute. ` +
      `Add configuration attributes immediately on the top level instead, or move all of them (namely: ${all}) into the explicit \`config' attribute.`,
  }));
}
