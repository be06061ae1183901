// Syntax errors as `nix-instantiate --parse` sees them: what tree-sitter could not read, and what
// the grammar accepts but Nix's parser refuses (test/parseDifferential.test.ts compares the two).
import type { Node } from 'web-tree-sitter';
import { attributeProblems, hasNoExpression } from './duplicateAttributes';
import { literalProblems } from './literalChecks';
import { scopeProblems } from './unboundVariables';

export interface SyntaxError {
  start: number;
  end: number;
  message: string;
  /** Only Nix before this version refuses the text (newer Nix accepts it). */
  onlyBefore?: string;
}

/**
 * The syntax errors of a tree. The grammar's known gap is not one: a trailing comma in a formals
 * list (`{ config, pkgs, }:`) is valid Nix.
 */
export function syntaxErrors(root: Node, limit = 20): SyntaxError[] {
  const errors: SyntaxError[] = [];
  const visit = (node: Node): void => {
    if (errors.length >= limit) return;
    if (node.isMissing || node.isError) {
      if (!isTrailingFormalsComma(node)) {
        errors.push({ start: node.startIndex, end: node.endIndex, message: node.isMissing ? `missing ${node.type}` : 'syntax error' });
      }
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) {
      if (child) visit(child);
    }
  };
  if (root.hasError) visit(root);
  if (errors.length > 0) return errors;
  // What the grammar accepts and Nix does not.
  if (hasNoExpression(root))
    return [{ start: 0, end: 0, message: 'the file holds no Nix expression (only comments or nothing); nix-instantiate says "unexpected end of file"' }];
  const found: SyntaxError[] = [...literalProblems(root, limit), ...scopeProblems(root, limit)].map((problem) => ({
    start: problem.at.start,
    end: problem.at.end,
    message: problem.message,
  }));
  for (const problem of attributeProblems(root, limit)) {
    found.push({ start: problem.at.start, end: problem.at.end, message: problem.message, ...(problem.onlyBefore ? { onlyBefore: problem.onlyBefore } : {}) });
  }
  return found.sort((a, b) => a.start - b.start).slice(0, limit);
}

/**
 * `{ a, }:` is valid Nix. The grammar reads the comma after the last of several formals as a
 * MISSING identifier, and after a single formal as an ERROR holding only the comma.
 */
function isTrailingFormalsComma(node: Node): boolean {
  if (node.isMissing) {
    const formal = node.parent;
    return node.type === 'identifier' && formal?.type === 'formal' && formal.parent?.type === 'formals';
  }
  return (
    node.parent?.type === 'formals' &&
    node.childCount === 1 &&
    node.child(0)?.type === ',' &&
    node.previousSibling?.type === 'formal' &&
    node.nextSibling?.type === '}'
  );
}
