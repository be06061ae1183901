// Where a text stops being JSON (RFC 8259), as an offset. JSON.parse's own messages quote the
// text around the fault ("Unexpected token 'A', "AWS_SECRET"... is not valid JSON"), and a
// snapshot path may name any file, so messages give this position instead and never the text.
// Iterative (no recursion), one pass: any input is scanned in linear time without throwing.

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The offset of the first character that makes `text` invalid JSON; undefined when it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  let at = 0;
  /** Open containers: `{` or `[`. */
  const stack: number[] = [];
  const skipSpace = () => {
    while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
  };
  const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
  /** Moves past a string starting at `at`; false (with `at` on the fault) when it is not one. */
  const string = (): boolean => {
    at++;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        const next = text[at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
            at += 2;
            return false;
          }
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          at += 2;
        } else {
          at++;
          return false;
        }
        continue;
      }
      at++;
    }
    return false;
  };
  const number = (): boolean => {
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else if (isDigit(text.charCodeAt(at))) while (isDigit(text.charCodeAt(at))) at++;
    else return false;
    if (text[at] === '.') {
      at++;
      if (!isDigit(text.charCodeAt(at))) return false;
      while (isDigit(text.charCodeAt(at))) at++;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      if (!isDigit(text.charCodeAt(at))) return false;
      while (isDigit(text.charCodeAt(at))) at++;
    }
    return true;
  };
  /** Moves past one value, or opens a container; false with `at` on the fault. */
  const value = (): boolean => {
    skipSpace();
    const char = text[at];
    if (char === '{' || char === '[') {
      stack.push(text.charCodeAt(at));
      at++;
      return true;
    }
    if (char === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return true;
      }
    }
    if (char === '-' || isDigit(text.charCodeAt(at))) return number();
    return false;
  };
  // After a container opens, either it closes at once or its first member follows.
  let justOpened = false;
  if (!value()) return at;
  justOpened = stack.length > 0;
  while (stack.length > 0) {
    skipSpace();
    const open = stack[stack.length - 1];
    const close = open === 0x7b ? '}' : ']';
    if (text[at] === close && justOpened) {
      stack.pop();
      at++;
      justOpened = false;
      continue;
    }
    if (!justOpened) {
      if (text[at] === close) {
        stack.pop();
        at++;
        continue;
      }
      if (text[at] !== ',') return at;
      at++;
      skipSpace();
    }
    if (open === 0x7b) {
      if (text[at] !== '"' || !string()) return at;
      skipSpace();
      if (text[at] !== ':') return at;
      at++;
    }
    const depth = stack.length;
    if (!value()) return at;
    justOpened = stack.length > depth;
  }
  skipSpace();
  return at < text.length ? at : undefined;
}
