// Open documents re-parse incrementally from the edited previous tree. Valid insertions and
// random range edits (newlines, non-ASCII and astral characters, several per notification) that
// are then undone must leave exactly the tree, offsets and rows/columns a fresh parse gives: a
// wrong tree edit shows up as a difference. (Trees of broken text may legitimately differ in error
// recovery, so the comparison is made on valid text.) Seeded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { OpenDocument } from '../server/src/lsp/documents';
import type { SyntaxNode } from '../server/src/parse/nixParser';
import { LineIndex } from '../server/src/text';
import { seededRandom, sharedParser } from './helpers';
import { scenarioDir } from './ruleFixtures';

const GARBAGE = [
  '"intel_iommu=on" ',
  '\n  ',
  '# café 😀\n',
  'é',
  '😀😀',
  ' ]; ',
  'boot.kernelParams = [ "iommu=pt" ];\n',
  '{ ',
  '}',
  "''\n  x\n''",
  '${a}',
  '',
];

/** Every node with its offsets and rows/columns, which a wrong tree edit would shift. */
function shape(node: SyntaxNode): string {
  const here = `${node.type} ${node.startIndex}-${node.endIndex} ${node.startPosition.row}:${node.startPosition.column}-${node.endPosition.row}:${node.endPosition.column}`;
  return [here, ...node.children.map((child) => (child ? shape(child) : ''))].join('\n');
}

function change(text: string, from: number, to: number, newText: string): TextDocumentContentChangeEvent {
  const lines = new LineIndex(text);
  return { range: { start: lines.positionAt(from), end: lines.positionAt(to) }, text: newText };
}

describe('incremental re-parse of open documents', () => {
  for (const seed of [1, 2, 3]) {
    it(`equals a fresh parse after edits are undone (seed ${seed})`, async () => {
      const parser = await sharedParser();
      // A comment with astral and non-ASCII characters on every line, so columns in UTF-16 matter.
      let valid = readFileSync(join(scenarioDir('realistic-clean'), 'configuration.nix'), 'utf8').replace(/\n/g, ' # Zoë 😀\n');
      const check = parser.parse(valid);
      assert.equal(check.rootNode.hasError, false, 'the base text is valid Nix');
      check.delete();
      const document = new OpenDocument('file:///virtual/configuration.nix', '/virtual/configuration.nix', valid, 1);
      document.syntaxTree(parser);
      const next = seededRandom(seed);
      let version = 1;
      for (let step = 0; step < 100; step++) {
        if (next() < 0.3) {
          // A block comment after a space is valid wherever it lands (between tokens, or as text
          // inside a string or comment); the nodes after it on its line move by UTF-16 columns.
          const spaces = [...valid.matchAll(/ /g)].map((match) => match.index! + 1);
          const at = spaces[Math.floor(next() * spaces.length)]!;
          const comment = '/* é😀 */ ';
          document.applyChanges([change(valid, at, at, comment)], ++version, parser);
          valid = valid.slice(0, at) + comment + valid.slice(at);
        }
        let from = Math.floor(next() * (valid.length + 1));
        let to = Math.min(valid.length, from + Math.floor(next() * 12));
        // Editors send whole characters: never split a surrogate pair.
        if (/[\uDC00-\uDFFF]/.test(valid[from] ?? '')) from--;
        if (/[\uDC00-\uDFFF]/.test(valid[to] ?? '')) to++;
        const garbage = GARBAGE[Math.floor(next() * GARBAGE.length)]!;
        const broken = valid.slice(0, from) + garbage + valid.slice(to);
        const breaking = change(valid, from, to, garbage);
        const undoing = change(broken, from, from + garbage.length, valid.slice(from, to));
        if (next() < 0.5) {
          document.applyChanges([breaking], ++version, parser);
          assert.equal(document.text, broken);
          document.syntaxTree(parser);
          document.applyChanges([undoing], ++version, parser);
        } else {
          document.applyChanges([breaking, undoing], ++version, parser);
        }
        assert.equal(document.text, valid);
        const fresh = parser.parse(valid);
        try {
          assert.equal(shape(document.syntaxTree(parser)!.rootNode), shape(fresh.rootNode), `step ${step}: ${JSON.stringify(garbage)} at ${from}-${to}`);
        } finally {
          fresh.delete();
        }
      }
      document.dropTree();
    });
  }
});
