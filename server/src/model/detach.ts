// Text kept in the model must not pin the document it came from: V8 makes a substring of 13 or
// more characters a view into its parent, so a model reused across edits (ModelCache) would keep
// every older version of a large document alive.

/** `text` as a string of its own. */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

/**
 * One string per distinct name for the names a model build keeps (`services`, `enable`, `port`
 * recur thousands of times in a large file; each read from the tree is a new string).
 */
export class NameTable {
  private readonly names = new Map<string, string>();

  intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }
}
