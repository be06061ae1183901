// The chunked text of open documents (server/src/sourceText.ts): after any sequence of edits it
// reads exactly like the plain string, tree-sitter parses it like the string, and two versions
// share the chunks an edit did not touch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenDocument } from '../server/src/lsp/documents';
import { buildModel, ModelCache } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { SyntaxNode } from '../server/src/parse/nixParser';
import { SourceText } from '../server/src/sourceText';
import { indentationAt, LineIndex } from '../server/src/text';
import { seededRandom, sharedParser } from './helpers';

const PIECES = ['a', ' ', '\n', '\r\n', '😀', 'é', '\ud83d', '{ x = 1; }\n', 'nix-vfio:', '  boot.kernelParams = [ "quiet" ];\n'];

/** A text of about `size` characters made of lines of varied length, some CRLF, some astral. */
function sampleText(size: number, next: () => number, longLines = true): string {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const part =
      longLines && next() < 0.02 ? 'x'.repeat(Math.floor(next() * 40_000)) : PIECES[Math.floor(next() * PIECES.length)]!.repeat(1 + Math.floor(next() * 20));
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

/** Every way of reading `source` agrees with `expected`. */
function assertReadsAs(source: SourceText, expected: string, next: () => number, label: string): void {
  assert.equal(source.length, expected.length, `${label}: length`);
  for (let probe = 0; probe < 40; probe++) {
    const a = Math.floor(next() * (expected.length + 1));
    const b = Math.min(expected.length, a + Math.floor(next() * 70_000));
    assert.equal(source.slice(a, b), expected.slice(a, b), `${label}: slice ${a}-${b}`);
    assert.equal(source.charCodeAt(a), expected.charCodeAt(a), `${label}: char at ${a}`);
    assert.equal(indentationAt(source, a), indentationAt(expected, a), `${label}: indentation at ${a}`);
  }
  assert.equal(source.slice(expected.length), '');
  let read = '';
  for (let piece = source.readFrom(0); piece.length > 0; piece = source.readFrom(read.length)) read += piece;
  assert.equal(read, expected, `${label}: read chunk by chunk`);
  for (const needle of ['nix-vfio:', '\r\n😀', 'absent needle'])
    assert.equal(source.includes(needle), expected.includes(needle), `${label}: includes ${needle}`);
  assert.equal(source.text, expected, `${label}: text`);
}

describe('chunked source text', () => {
  it('reads like the plain string after random edits: across chunk boundaries, CRLF, surrogates, emptied', () => {
    const next = seededRandom(31);
    for (let round = 0; round < 12; round++) {
      let expected = round === 0 ? '' : sampleText(round * 20_000, next);
      let source = SourceText.of(expected);
      assertReadsAs(source, expected, next, `round ${round} start`);
      for (let step = 0; step < 60; step++) {
        const start = Math.floor(next() * (expected.length + 1));
        const reach = next() < 0.1 ? expected.length : next() < 0.3 ? 40_000 : 40;
        const end = Math.min(expected.length, start + Math.floor(next() * reach));
        const insert = next() < 0.3 ? '' : next() < 0.05 ? sampleText(50_000, next) : PIECES[Math.floor(next() * PIECES.length)]!;
        const before = source;
        source = source.edited(start, end, insert);
        const previous = expected;
        expected = expected.slice(0, start) + insert + expected.slice(end);
        if (step % 6 === 0) assertReadsAs(source, expected, next, `round ${round} step ${step}`);
        else assert.equal(source.length, expected.length);
        // What chunks were found to hold is carried across edits: checked after every one.
        assert.equal(source.includes('nix-vfio:'), expected.includes('nix-vfio:'), `round ${round} step ${step}: includes`);
        // The old version is untouched: a tree parsed from it keeps reading it.
        assert.equal(before.slice(0, previous.length), previous);
        const { prefix, suffix } = before.sharedChunkEnds(source);
        assert.ok(prefix + suffix <= Math.min(previous.length, expected.length), 'shared ends do not overlap');
        assert.equal(expected.slice(0, prefix), previous.slice(0, prefix), 'shared prefix is equal');
        assert.equal(expected.slice(expected.length - suffix), previous.slice(previous.length - suffix), 'shared suffix is equal');
      }
      assert.equal(source.edited(0, source.length, '').length, 0, 'emptied');
      assertReadsAs(source.edited(0, source.length, '').edited(0, 0, 'x = 1;'), 'x = 1;', next, 'refilled');
    }
  });

  it('keeps chunk sizes bounded and shares all but the touched chunks of a small edit', () => {
    const next = seededRandom(5);
    const text = sampleText(400_000, next, false);
    let source = SourceText.of(text);
    assert.ok(source.chunkCount >= 10, 'a large text is cut into chunks');
    for (let step = 0; step < 200; step++) {
      const at = Math.floor(next() * source.length);
      const before = source;
      source = next() < 0.5 ? source.edited(at, at, 'typing') : source.edited(at, Math.min(source.length, at + 6), '');
      const { prefix, suffix } = before.sharedChunkEnds(source);
      // Only the chunk holding the edit (and a neighbour it may merge with) is new.
      assert.ok(source.length - prefix - suffix <= 3 * 32 * 1024, `step ${step}: ${source.length - prefix - suffix} characters unshared`);
    }
    assert.ok(source.chunkCount >= 10 && source.chunkCount < 100, `${source.chunkCount} chunks`);
  });

  it('a line index over the chunked text equals one over the string', () => {
    const next = seededRandom(9);
    const text = sampleText(120_000, next);
    const source = SourceText.of(text).edited(10, 20, '\n\n');
    const expected = text.slice(0, 10) + '\n\n' + text.slice(20);
    const fromSource = new LineIndex(source);
    const fromString = new LineIndex(expected);
    assert.equal(fromSource.lineCount, fromString.lineCount);
    for (let line = 0; line < fromString.lineCount; line += 7) assert.equal(fromSource.lineStart(line), fromString.lineStart(line));
  });
});

/** A configuration of many top-level bindings, large enough for many chunks. */
function largeConfig(bindings: number): string {
  const out = ['{ config, lib, ... }:', 'let ids = [ "10de:13c0" ]; in', '{'];
  out.push('  boot.kernelParams = [ "intel_iommu=on" ("vfio-pci.ids=" + lib.concatStringsSep "," ids) ];');
  for (let i = 0; i < bindings; i++) {
    out.push(`  services.s${i} = { enable = true; settings = { port = ${1000 + i}; name = "svc-${i}-😀"; }; };`);
    if (i % 5 === 0) out.push(`  environment.etc."f${i}".text = ''\r\n    line ${i}\r\n  '';`);
    if (i % 7 === 0) out.push(`  users.users.u${i} = lib.mkIf config.x { extraGroups = [ "wheel" ]; };`);
  }
  out.push('}', '');
  return out.join('\n');
}

/** Every node as type and offsets, read with a cursor (quicker than node objects for a large tree). */
function shape(root: SyntaxNode): string {
  const out: string[] = [];
  const cursor = root.walk();
  try {
    for (let depth = 0; ;) {
      out.push(`${depth}:${cursor.nodeType}@${cursor.startIndex}-${cursor.endIndex}`);
      if (cursor.gotoFirstChild()) depth++;
      else {
        while (!cursor.gotoNextSibling()) {
          if (depth === 0 || !cursor.gotoParent()) return out.join('\n');
          depth--;
        }
        if (depth === 0) return out.join('\n');
      }
    }
  } finally {
    cursor.delete();
  }
}

const BREAKING = ['7', ' ', '\n', ';', '}', '{', '"', '😀', '\r\n', '  extra.option = [ "a" ];\n', ''];

/** An offset moved off the inside of a surrogate pair or a CRLF. */
function settle(text: string, offset: number, forward: boolean): number {
  const inside = (at: number) => (text.charCodeAt(at) & 0xfc00) === 0xdc00 || (text.charCodeAt(at) === 10 && text.charCodeAt(at - 1) === 13);
  while (offset > 0 && offset < text.length && inside(offset)) offset += forward ? 1 : -1;
  return offset;
}

/**
 * A random edit of the kinds typing makes: inside a value, a whole binding added or removed (at
 * binding boundaries), or one that breaks the syntax or spans many bindings (then undone by the
 * next edit, so the document keeps mostly parsing).
 */
function randomEdit(text: string, next: () => number, version: number): { start: number; end: number; insert: string; undo: boolean } {
  const roll = next();
  const from = Math.floor(next() * text.length);
  if (roll < 0.35) {
    const digit = text.slice(from).search(/[0-9]/);
    const at = digit < 0 ? text.length : from + digit + 1;
    return { start: at, end: at, insert: String(version % 10), undo: false };
  }
  if (roll < 0.5) {
    const at = text.indexOf('\n  ', from) + 1;
    return { start: at, end: at, insert: `  extra.option${version} = [ "a" ];\n`, undo: false };
  }
  if (roll < 0.6) {
    const at = text.indexOf('\n  services.', from) + 1;
    return at <= 0 ? { start: 0, end: 0, insert: '', undo: false } : { start: at, end: text.indexOf('\n', at) + 1, insert: '', undo: false };
  }
  const start = settle(text, from, false);
  const end = settle(text, Math.min(text.length, start + (next() < 0.5 ? 0 : Math.floor(next() * (next() < 0.3 ? 3000 : 20)))), true);
  return { start, end, insert: BREAKING[Math.floor(next() * BREAKING.length)]!, undo: true };
}

describe('a large open document', () => {
  it('parses incrementally from its chunks like a fresh parse, and its cached model equals a fresh one', async () => {
    const parser = await sharedParser();
    const next = seededRandom(77);
    const path = '/large/configuration.nix';
    let expected = largeConfig(600);
    const document = new OpenDocument('file:///large/configuration.nix', path, expected, 1);
    assert.ok(document.source.chunkCount >= 3, `${document.source.chunkCount} chunks`);
    const cache = new ModelCache();
    const loader = diskLoader(parser, (file) =>
      file === path ? { text: document.source, tree: document.syntaxTree(parser), unchangedSince: (earlier) => document.unchangedSince(earlier) } : undefined,
    );
    buildModel(path, loader, cache);
    let pendingUndo: { start: number; end: number; insert: string } | undefined;
    for (let version = 2; version < 34; version++) {
      const text = expected;
      const lines = new LineIndex(text);
      let edit: { start: number; end: number; insert: string };
      if (pendingUndo) {
        edit = pendingUndo;
        pendingUndo = undefined;
      } else {
        const made = randomEdit(text, next, version);
        edit = made;
        if (made.undo) pendingUndo = { start: made.start, end: made.start + made.insert.length, insert: text.slice(made.start, made.end) };
      }
      const { start, end, insert } = edit;
      document.applyChanges([{ range: { start: lines.positionAt(start), end: lines.positionAt(end) }, text: insert }], version, parser);
      expected = text.slice(0, start) + insert + text.slice(end);
      assert.equal(document.source.length, expected.length);
      const fresh = parser.parse(expected);
      try {
        const tree = document.syntaxTree(parser)!;
        // Offsets of every node after some edits; the reading of chunks shows in every tree's root.
        if (version % 4 === 0) assert.equal(shape(tree.rootNode), shape(fresh.rootNode), `v${version}: tree`);
        else assert.equal(tree.rootNode.endIndex, fresh.rootNode.endIndex, `v${version}: tree`);
        const cached = buildModel(path, loader, cache);
        const scratch = buildModel(
          path,
          diskLoader(parser, (file) => (file === path ? { text: expected, tree: fresh } : undefined)),
        );
        assert.deepEqual(
          JSON.parse(JSON.stringify({ ...cached, files: [...cached.files.keys()] })),
          JSON.parse(JSON.stringify({ ...scratch, files: [...scratch.files.keys()] })),
          `v${version}: cached model differs after an edit at ${start}-${end} inserting ${JSON.stringify(insert)}`,
        );
      } finally {
        fresh.delete();
      }
    }
    assert.equal(document.text, expected);
    // Both ways of finding the top-level bindings were taken: derived from the cache after most
    // edits, read from the tree after ones that broke the syntax or the set.
    assert.ok(cache.counts.derived >= 10 && cache.counts.read >= 2, JSON.stringify(cache.counts));
    document.dropTree();
  });
});
