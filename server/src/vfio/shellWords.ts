// A small reader for the shell text of boot scripts: words with their offsets and whether each
// stands where a command starts, nesting of subshells, functions and compound commands, and
// unterminated quotes or blocks. It parses; it never runs anything.
import { HOLE } from '../model/values';

export interface ShellWord {
  /** The word as written (quotes kept). */
  text: string;
  start: number;
  end: number;
  /** The first word of a simple command. */
  commandStart: boolean;
  /** Inside `( … )`, `$( … )` or backquotes: `exit` there ends only that subshell. */
  subshell: boolean;
  /** Inside if/while/until/for/case, a function body, or after `&&`/`||`: it may not run. */
  conditional: boolean;
  /** Index of the command this word belongs to (words of one simple command share it). */
  command: number;
}

export interface ShellReading {
  words: ShellWord[];
  /** What keeps the text from parsing, with where it starts; undefined when it parses. */
  problem?: { message: string; start: number; end: number };
}

const OPENERS: Record<string, string> = { if: 'fi', while: 'done', until: 'done', for: 'done', select: 'done', case: 'esac', '{': '}' };
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);
const CONTINUE_COMMAND = new Set(['then', 'do', 'else', 'elif', '!', 'time']);

export function readShell(text: string): ShellReading {
  const words: ShellWord[] = [];
  const blocks: { closer: string; start: number }[] = [];
  let subshellDepth = 0;
  const subshellStarts: number[] = [];
  let afterAndOr = false;
  let commandStart = true;
  let command = 0;
  let functionBodies = 0;
  let hereDocumentEnd = 0;
  let i = 0;
  const push = (start: number, end: number) => {
    const word = text.slice(start, end);
    const isCommandStart = commandStart;
    words.push({
      text: word,
      start,
      end,
      commandStart: isCommandStart,
      subshell: subshellDepth > 0,
      conditional: afterAndOr || functionBodies > 0 || blocks.some((block) => block.closer !== '}'),
      command,
    });
    commandStart = false;
    if (isCommandStart) {
      if (OPENERS[word] && word !== 'case') blocks.push({ closer: OPENERS[word], start });
      if (word === 'case') blocks.push({ closer: 'esac', start });
      if (word === 'function') functionBodies++;
      if (CONTINUE_COMMAND.has(word) || OPENERS[word] === 'fi' || word === 'while' || word === 'until' || word === '{') {
        commandStart = true;
        command++;
      }
      if (CLOSERS.has(word)) {
        const open = blocks.pop();
        if (!open || open.closer !== word) return { message: `"${word}" without its opening`, start, end };
        if (word === '}' && functionBodies > 0 && blocks.every((block) => block.closer !== '}')) functionBodies--;
      }
    }
    return undefined;
  };
  while (i < text.length) {
    const char = text[i];
    if (char === '\n' && hereDocumentEnd > i) {
      i = hereDocumentEnd;
      hereDocumentEnd = 0;
      afterAndOr = false;
      commandStart = true;
      command++;
      continue;
    }
    if (char === '\n' || char === ';' || char === '&' || char === '|') {
      const pair = text.slice(i, i + 2);
      if (pair === '&&' || pair === '||') {
        afterAndOr = true;
        i += 2;
      } else {
        if (char === '\n' || char === ';') afterAndOr = false;
        i += pair === ';;' ? 2 : 1;
      }
      commandStart = true;
      command++;
      continue;
    }
    if (char === ' ' || char === '\t' || (char === '\\' && text[i + 1] === '\n')) {
      i += char === '\\' ? 2 : 1;
      continue;
    }
    if (char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (char === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      // A here-document: its lines are data, up to the line holding only its delimiter.
      const head = /^<<(-?)[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(text.slice(i));
      if (head) {
        const lineEnd = text.indexOf('\n', i);
        let at = lineEnd < 0 ? text.length : lineEnd + 1;
        while (at < text.length) {
          const next = text.indexOf('\n', at);
          const line = text.slice(at, next < 0 ? text.length : next);
          at = next < 0 ? text.length : next + 1;
          if ((head[1] ? line.replace(/^\t+/, '') : line).trim() === head[3]) break;
        }
        // The rest of the line that started it is still commands; the body is skipped at its end.
        hereDocumentEnd = at;
        i += head[0].length;
        continue;
      }
    }
    if (char === '(' || char === ')') {
      // `name() {` defines a function; a lone `(` opens a subshell.
      if (char === '(' && text[i + 1] === ')') {
        functionBodies++;
        i += 2;
        commandStart = true;
        continue;
      }
      if (char === '(') {
        subshellDepth++;
        subshellStarts.push(i);
      } else if (subshellDepth > 0) {
        subshellDepth--;
        subshellStarts.pop();
      }
      i++;
      commandStart = true;
      command++;
      continue;
    }
    // A word: up to unquoted whitespace or an operator; quotes and $( … ) kept inside it.
    const start = i;
    let parens = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === "'" || c === '"' || c === '`') {
        const close = findClosingQuote(text, i);
        if (close < 0)
          return { words, problem: { message: `unterminated ${c === "'" ? 'single quote' : c === '"' ? 'double quote' : 'backquote'}`, start: i, end: i + 1 } };
        i = close + 1;
        continue;
      }
      if (c === '$' && text[i + 1] === '(') {
        parens++;
        i += 2;
        continue;
      }
      if (parens > 0) {
        if (c === '(') parens++;
        if (c === ')') parens--;
        i++;
        continue;
      }
      if (/[\s;&|()]/.test(c) || ((c === '<' || c === '>') && i === start)) break;
      i++;
    }
    if (i === start) {
      i++; // a lone redirection character
      continue;
    }
    if (parens > 0) return { words, problem: { message: 'unterminated $(', start, end: start + 2 } };
    const problem = push(start, i);
    if (problem) return { words, problem };
  }
  const open = blocks.pop();
  if (open)
    return {
      words,
      problem: { message: `"${text.slice(open.start, open.start + 5).split(/\s/)[0]}" without its "${open.closer}"`, start: open.start, end: open.start + 1 },
    };
  if (subshellDepth > 0) return { words, problem: { message: 'unclosed "("', start: subshellStarts[0]!, end: subshellStarts[0]! + 1 } };
  return { words };
}

/** Where the quote opened at `at` closes, or -1. Double quotes and backquotes honour backslashes. */
function findClosingQuote(text: string, at: number): number {
  const quote = text[at];
  for (let i = at + 1; i < text.length; i++) {
    if (quote !== "'" && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

/** Whether a word holds text the model could not read (an interpolation). */
export function hasHole(word: ShellWord): boolean {
  return word.text.includes(HOLE);
}

/** The words in runs of one simple command each (consecutive words sharing `command`), in order. */
export function commandRuns(words: readonly ShellWord[]): ShellWord[][] {
  const runs: ShellWord[][] = [];
  for (const word of words) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.command === word.command) last.push(word);
    else runs.push([word]);
  }
  return runs;
}
