// Open documents (server/src/lsp/documents.ts): incremental content changes give the same text and
// the same syntax tree as parsing from scratch, each re-parse reuses the previous tree, and every
// old tree is freed exactly once (the server's memory stays flat over thousands of edits).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { MAX_DOCUMENT_LENGTH, OpenDocument } from '../server/src/lsp/documents';
import { NixParser, SyntaxNode, SyntaxTree } from '../server/src/parse/nixParser';
import { LineIndex } from '../server/src/text';
import { seededRandom, sharedParser } from './helpers';
import { ruleCases } from './ruleFixtures';

/** A parser that records what it was asked, and trees that count how often they are deleted. */
function recordingParser(parser: NixParser) {
  const calls: { previous?: SyntaxTree; tree: SyntaxTree }[] = [];
  const deletions = new Map<SyntaxTree, number>();
  const track = (tree: SyntaxTree): SyntaxTree => {
    const original = tree.delete.bind(tree);
    tree.delete = () => {
      deletions.set(tree, (deletions.get(tree) ?? 0) + 1);
      original();
    };
    return tree;
  };
  const recording = {
    parse(text: string, previous?: SyntaxTree): SyntaxTree {
      const tree = track(parser.parse(text, previous));
      calls.push({ previous, tree });
      return tree;
    },
  } as unknown as NixParser;
  return { parser: recording, calls, deletions };
}

/** Every node as type and offsets, to compare two trees exactly. */
function shape(node: SyntaxNode, out: string[] = []): string[] {
  out.push(`${node.type}@${node.startIndex}-${node.endIndex}`);
  for (const child of node.children) if (child) shape(child, out);
  return out;
}

const INSERTS = ['7', ' ', '\n', '"', '{ a = 1; }', '[ "x" ]', '😀', 'é', '\r\n', ';', '}', '\n  boot.kernelParams = [ "quiet" ];\n'];

/** A random LSP change against `text`, with the text it leaves. Never splits a surrogate pair or a CRLF. */
function randomChange(text: string, next: () => number): { change: TextDocumentContentChangeEvent; result: string } {
  const safe = (offset: number) => {
    const code = text.charCodeAt(offset);
    if (offset > 0 && ((code >= 0xdc00 && code <= 0xdfff) || (code === 10 && text.charCodeAt(offset - 1) === 13))) return offset - 1;
    return offset;
  };
  const a = safe(Math.floor(next() * (text.length + 1)));
  const b = next() < 0.5 ? a : safe(Math.min(text.length, a + Math.floor(next() * 30)));
  const inserted = next() < 0.3 ? '' : INSERTS[Math.floor(next() * INSERTS.length)]!;
  const lines = new LineIndex(text);
  return {
    change: { range: { start: lines.positionAt(a), end: lines.positionAt(b) }, text: inserted },
    result: text.slice(0, a) + inserted + text.slice(b),
  };
}

describe('open documents', () => {
  it('incremental changes give the text and tree of a fresh parse, reusing and freeing each old tree', async () => {
    const base = await sharedParser();
    const next = seededRandom(8);
    const cases = ruleCases().slice(0, 30);
    for (const { scenario: name, root } of cases) {
      let expected = readFileSync(root, 'utf8');
      if (name.length % 2 === 0) expected = expected.replace(/\n/g, '\r\n');
      const { parser, calls, deletions } = recordingParser(base);
      const document = new OpenDocument('file:///c.nix', '/c.nix', expected, 1);
      const first = document.syntaxTree(parser)!;
      for (let version = 2; version < 12; version++) {
        // Sometimes several changes in one notification, each against the text the previous left.
        const changes: TextDocumentContentChangeEvent[] = [];
        for (let count = 1 + Math.floor(next() * 3); count > 0; count--) {
          const { change, result } = randomChange(expected, next);
          changes.push(change);
          expected = result;
        }
        const held = document.tree!;
        document.applyChanges(changes, version, parser);
        assert.equal(document.text, expected, `${name} v${version}: text`);
        const freshLines = new LineIndex(expected);
        assert.equal(document.lines.lineCount, freshLines.lineCount, `${name} v${version}: line count`);
        for (let line = 0; line < freshLines.lineCount; line++) {
          assert.equal(document.lines.lineStart(line), freshLines.lineStart(line), `${name} v${version}: start of line ${line}`);
        }
        const last = calls[calls.length - 1];
        assert.ok(last, `${name} v${version}: parsed`);
        assert.equal(last.previous, held, `${name} v${version}: re-parsed from the previous tree`);
        assert.equal(document.tree, last.tree);
        assert.equal(deletions.get(held), 1, `${name} v${version}: the previous tree is freed once`);
        const fresh = base.parse(expected);
        assert.deepEqual(shape(document.tree!.rootNode), shape(fresh.rootNode), `${name} v${version}: incremental tree equals a fresh parse`);
        fresh.delete();
      }
      assert.ok(deletions.get(first) === 1);
      document.dropTree();
      assert.ok(
        [...deletions.values()].every((count) => count === 1),
        'no tree is freed twice',
      );
      assert.equal(deletions.size, calls.length, 'every tree made is freed once the document closes');
    }
  });

  it('a full-text change frees the old tree and parses afresh; an over-size text keeps no tree', async () => {
    const { parser, calls, deletions } = recordingParser(await sharedParser());
    const document = new OpenDocument('file:///c.nix', '/c.nix', '{ a = 1; }', 1);
    const first = document.syntaxTree(parser)!;
    document.applyChanges([{ text: '{ b = 2; }' }], 2, parser);
    assert.equal(deletions.get(first), 1);
    assert.equal(document.tree, undefined, 'parsed lazily, from scratch');
    const second = document.syntaxTree(parser)!;
    assert.equal(calls[calls.length - 1]!.previous, undefined);
    document.applyChanges(
      [{ range: { start: { line: 0, character: 10 }, end: { line: 0, character: 10 } }, text: ' '.repeat(MAX_DOCUMENT_LENGTH) }],
      3,
      parser,
    );
    assert.equal(deletions.get(second), 1);
    assert.equal(document.syntaxTree(parser), undefined, 'no tree for an over-size text');
    assert.equal(calls.length, 2, 'the over-size text was never parsed');
  });
});
