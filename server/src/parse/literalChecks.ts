// Tokens and operator chains the grammar accepts and Nix's lexer or parser refuses
// (NixOS/nix src/libexpr/lexer.l and parser.y):
// - an integer above 2^63 - 1 ("invalid integer"; `-9223372036854775808` too: the minus is an
//   operator applied after the literal is read);
// - a path ending in a slash (`./a/`, `~/a/`, `./a/${x}/`: "path has a trailing slash");
// - comparisons chained without parentheses (`a == b == c`, `a < b <= c`): `==`/`!=` and
//   `<`/`<=`/`>`/`>=` are %nonassoc, so Nix stops with "syntax error";
// - a keyword where a name goes (`x.in`, `a.let = …;`, `inherit (x) if;`, an argument named
//   `or`): the lexer makes keywords tokens of their own, never ID; only `or` may name attributes.
import type { Node } from 'web-tree-sitter';

export interface LiteralProblem {
  message: string;
  at: { start: number; end: number };
}

const MAX_INT = 2n ** 63n - 1n;
const KEYWORDS = new Set(['assert', 'else', 'if', 'in', 'inherit', 'let', 'rec', 'then', 'with']);
const EQUALITY = new Set(['==', '!=']);
const ORDERING = new Set(['<', '<=', '>', '>=']);

function operatorOf(node: Node): string | undefined {
  return node.type === 'binary_expression' ? node.childForFieldName('operator')?.type : undefined;
}

function sameClass(a: string, b: string): boolean {
  return (EQUALITY.has(a) && EQUALITY.has(b)) || (ORDERING.has(a) && ORDERING.has(b));
}

export function literalProblems(root: Node, limit = 20): LiteralProblem[] {
  const problems: LiteralProblem[] = [];
  const report = (node: Node, message: string) => {
    if (problems.length < limit) problems.push({ message, at: { start: node.startIndex, end: node.endIndex } });
  };
  const pending: Node[] = [root];
  while (pending.length > 0 && problems.length < limit) {
    const node = pending.pop()!;
    if (node.type === 'identifier') {
      if (KEYWORDS.has(node.text)) report(node, `syntax error: '${node.text}' is a keyword, it cannot be a name here`);
      continue;
    }
    // An argument named `or` (checked from above: a node's parent costs a walk from the root).
    const argument = node.type === 'formal' ? node.childForFieldName('name') : node.type === 'function_expression' ? node.childForFieldName('universal') : null;
    if (argument?.text === 'or') report(argument, `syntax error: 'or' is a keyword, it cannot be a name here`);
    if (node.type === 'integer_expression') {
      if (/^\d+$/.test(node.text) && BigInt(node.text) > MAX_INT) report(node, `invalid integer '${node.text}'`);
      continue;
    }
    if (node.type === 'path_expression' || node.type === 'hpath_expression') {
      const last = node.namedChildren[node.namedChildCount - 1];
      if (last?.type === 'path_fragment' && last.text.endsWith('/')) report(node, `path '${node.text}' has a trailing slash`);
      // `./a//b`: Nix's path token has no empty segment, and it reads no update operator there.
      // (With `${…}` in the path Nix's lexer reads on differently, and accepts it.)
      else if (/^(\/|\.\.?\/|~\/)/.test(node.text) && node.namedChildCount === 1 && node.text.includes('//'))
        report(node, `syntax error: '//' inside the path '${node.text}'`);
      continue;
    }
    const operator = operatorOf(node);
    if (operator && (EQUALITY.has(operator) || ORDERING.has(operator))) {
      for (const side of [node.childForFieldName('left'), node.childForFieldName('right')]) {
        const inner = side ? operatorOf(side) : undefined;
        if (inner && sameClass(operator, inner)) report(node, `'${inner}' and '${operator}' cannot be chained without parentheses (syntax error)`);
      }
    }
    const children = node.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) pending.push(child);
    }
  }
  return problems;
}
