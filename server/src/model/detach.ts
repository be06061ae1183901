// Text kept in the model must not pin the document it came from: V8 makes a substring of 13 or
// more characters a view into its parent, so a model reused across edits (ModelCache) would keep
// every older version of a large document alive.

/** `text` as a string of its own. */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
