// The text range a syntax node covers, in the offsets every range in the model uses.
import type { TextRange } from '../text';
import type { SyntaxNode } from './nixParser';

export function rangeOf(node: SyntaxNode): TextRange {
  return { start: node.startIndex, end: node.endIndex };
}
