// Where a JSON path (`devices[2].vendor`) is written in a JSON text, so problems in a snapshot
// file can be shown on the right line. A small scanner; on text it cannot follow it says so
// with `undefined` rather than guessing.
import { TextRange } from '../text';

export function locateJsonPath(text: string, path: string): TextRange | undefined {
  const steps = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] !== undefined ? Number(match[2]) : match[1]));
  let position = 0;
  const skipSpace = () => {
    while (position < text.length && /\s/.test(text.charAt(position))) position++;
  };
  const skipString = () => {
    position++;
    while (position < text.length && text[position] !== '"') position += text[position] === '\\' ? 2 : 1;
    position++;
  };
  /** Moves past one value; returns false on text that is not JSON. */
  const skipValue = (): boolean => {
    skipSpace();
    const char = text[position];
    if (char === '"') {
      skipString();
      return true;
    }
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      position++;
      for (;;) {
        skipSpace();
        if (text[position] === close) {
          position++;
          return true;
        }
        if (char === '{') {
          if (text[position] !== '"') return false;
          skipString();
          skipSpace();
          if (text[position] !== ':') return false;
          position++;
        }
        if (!skipValue()) return false;
        skipSpace();
        if (text[position] === ',') position++;
        else if (text[position] !== close) return false;
      }
    }
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(position, position + 40));
    if (!literal) return false;
    position += literal[0].length;
    return true;
  };
  skipSpace();
  for (const step of steps) {
    skipSpace();
    if (typeof step === 'number') {
      if (text[position] !== '[') return undefined;
      position++;
      for (let index = 0; index < step; index++) {
        if (!skipValue()) return undefined;
        skipSpace();
        if (text[position] !== ',') return undefined;
        position++;
      }
      skipSpace();
      continue;
    }
    if (text[position] !== '{') return undefined;
    position++;
    for (;;) {
      skipSpace();
      if (text[position] !== '"') return undefined;
      const keyStart = position;
      skipString();
      const key = JSON.parse(text.slice(keyStart, position));
      skipSpace();
      if (text[position] !== ':') return undefined;
      position++;
      skipSpace();
      if (key === step) break;
      if (!skipValue()) return undefined;
      skipSpace();
      if (text[position] !== ',') return undefined; // the key is missing
      position++;
    }
  }
  const start = position;
  if (!skipValue()) return undefined;
  return { start, end: position };
}
