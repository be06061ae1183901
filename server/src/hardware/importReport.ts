// How an import is reported to the user, the same in the CLI and the editor: each skipped line
// with its number and why (runs of consecutive lines skipped for one reason as a range), the
// sections left out, and the facts inferred and what from.
import { snapshotText } from './displayText';
import type { ImportResult, SkippedLine } from './importListing';

/** One message per skipped line, consecutive lines with the same reason joined into one range. */
export function skippedMessages(skipped: readonly SkippedLine[], source: string): string[] {
  const messages: string[] = [];
  for (let i = 0; i < skipped.length;) {
    let j = i;
    const first = skipped[i]!;
    while (j + 1 < skipped.length && skipped[j + 1]!.line === skipped[j]!.line + 1 && skipped[j + 1]!.reason === first.reason) j++;
    // The user's own paste, quoted so the line can be found; made inert for the terminal and the editor.
    const quoted = snapshotText(first.text, 120);
    messages.push(
      j === i
        ? `${source}:${first.line}: skipped, ${first.reason}: ${quoted}`
        : `${source}:${first.line}-${skipped[j]!.line}: skipped ${j - i + 1} lines, ${first.reason} (first: ${quoted})`,
    );
    i = j + 1;
  }
  return messages;
}

/** Everything the user should read about an import besides the snapshot itself. */
export function importMessages(result: ImportResult, source: string): string[] {
  const messages = skippedMessages(result.skipped, source);
  if (!result.ok) return [...messages, `${source}: ${result.message}`];
  for (const { reason } of result.dropped) messages.push(`${source}: ${reason}`);
  return messages;
}

/** The inferred facts as `path: value (from …)` lines, for `groups` and the editor. */
export function inferredLines(snapshot: { inferredFrom?: Record<string, string> } & Record<string, unknown>): string[] {
  return Object.entries(snapshot.inferredFrom ?? {}).map(([path, from]) =>
    snapshotText(`${path} = ${JSON.stringify(valueAt(snapshot, path)) ?? 'nothing'} (from ${from})`, 300),
  );
}

function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((piece) => piece !== undefined && piece !== '')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
