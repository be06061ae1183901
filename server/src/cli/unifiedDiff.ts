// A unified diff of two texts (what `check --dry-run` and `passthrough --dry-run` print), by
// line, with three lines of context, as `diff -u` and `git apply` read it.

const CONTEXT = 3;
/** Above this many line pairs, the changed middle is shown as one hunk instead of a minimal diff. */
const MAX_TABLE = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: Op[] = a.slice(0, start).map((line) => ({ kind: ' ', line }));
  const tail: Op[] = a.slice(endA).map((line) => ({ kind: ' ', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle: Op[] = [];
  if (midA.length * midB.length > MAX_TABLE) {
    middle.push(...midA.map((line): Op => ({ kind: '-', line })), ...midB.map((line): Op => ({ kind: '+', line })));
  } else {
    // Longest common subsequence, filled from the end so the walk below goes forward.
    const width = midB.length + 1;
    const table = new Uint32Array((midA.length + 1) * width);
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        table[i * width + j] = midA[i] === midB[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        middle.push({ kind: ' ', line: midA[i++]! });
        j++;
      } else if (j < midB.length && (i === midA.length || table[i * width + j + 1]! >= table[(i + 1) * width + j]!)) {
        middle.push({ kind: '+', line: midB[j++]! });
      } else {
        middle.push({ kind: '-', line: midA[i++]! });
      }
    }
  }
  return [...head, ...middle, ...tail];
}

/** `--- a/path` / `+++ b/path` and the hunks; empty when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const ops = diffOps(splitLines(before), splitLines(after));
  const changed = ops.map((op, index) => (op.kind !== ' ' ? index : -1)).filter((index) => index >= 0);
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let index = 0;
  while (index < changed.length) {
    const first = Math.max(0, changed[index]! - CONTEXT);
    let last = changed[index]!;
    while (index + 1 < changed.length && changed[index + 1]! - last <= 2 * CONTEXT) last = changed[++index]!;
    index++;
    const end = Math.min(ops.length, last + CONTEXT + 1);
    const slice = ops.slice(first, end);
    const oldStart = ops.slice(0, first).filter((op) => op.kind !== '+').length;
    const newStart = ops.slice(0, first).filter((op) => op.kind !== '-').length;
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldStart : oldStart + 1},${oldCount} +${newCount === 0 ? newStart : newStart + 1},${newCount} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}
