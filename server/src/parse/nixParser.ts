// Loads web-tree-sitter and the committed tree-sitter-nix grammar once per process.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Language, Parser, Tree } from 'web-tree-sitter';
import { SourceText, TextSource } from '../sourceText';
import { ParseTooComplex } from './tooComplex';

export { isTooComplexProblem, ParseTooComplex } from './tooComplex';
export { syntaxErrors, type SyntaxError } from './syntaxErrors';

export type { Node as SyntaxNode, Tree as SyntaxTree } from 'web-tree-sitter';

const RUNTIME_WASM = 'tree-sitter.wasm';
const GRAMMAR_WASM = 'tree-sitter-nix.wasm';

/**
 * Finds a wasm file: beside the bundle (dist/), or, when running compiled-but-unbundled code
 * (tests), in the repo's server/grammar or node_modules/web-tree-sitter.
 */
export function locateWasm(name: string, startDir: string = __dirname): string {
  const candidates = [name, join('server', 'grammar', name), join('node_modules', 'web-tree-sitter', name)];
  for (let dir = startDir; ; dir = dirname(dir)) {
    for (const candidate of candidates) {
      const path = join(dir, candidate);
      if (existsSync(path)) return path;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`cannot find ${name} near ${startDir}`);
}

let loading: Promise<Language> | undefined;

async function loadLanguage(): Promise<Language> {
  const runtimePath = locateWasm(RUNTIME_WASM);
  await Parser.init({ locateFile: () => runtimePath } as object);
  // Given bytes rather than a path: for a path, web-tree-sitter reads the file through a dynamic
  // import(), which first has to start node's ES module loader (time on every cold start).
  return Language.load(readFileSync(locateWasm(GRAMMAR_WASM)));
}

/**
 * tree-sitter-nix's lexer tries its path and URI tokens at every token start: in a run of name
 * characters without a space (`x.a.a.a…`, `a+a+a…`) each token scans to the end of the run, so
 * parsing the run costs (length × tokens). Above this estimate (about a second here) the text is
 * refused before tree-sitter sees it; everything real stays far below (a 500-name chain is 1%).
 */
export const PARSE_WORK_LIMIT = 20_000_000;
/** A parse that still runs after this much CPU time is stopped (what the estimate cannot foresee). */
export const PARSE_CPU_LIMIT_MS = 3_000;

/** Runs shorter than this cost little whatever they hold. */
const SHORT_RUN = 64;

/** The estimate above, and the longest run, for a text (one pass over its chunks). */
export function parseWork(text: TextSource): { work: number; longestRun: number } {
  let work = 0;
  let longestRun = 0;
  let run = 0;
  let separators = 0;
  const endRun = () => {
    if (run >= SHORT_RUN) work += run * separators;
    if (run > longestRun) longestRun = run;
    run = 0;
    separators = 0;
  };
  for (let offset = 0; offset < text.length;) {
    const chunk = typeof text === 'string' ? text : text.readFrom(offset);
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      // [A-Za-z0-9_] and the separators . + - (the path token's characters)
      if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95) run++;
      else if (code === 46 || code === 43 || code === 45) {
        run++;
        separators++;
      } else if (run > 0) endRun();
    }
    offset += chunk.length;
    if (chunk.length === 0) break;
  }
  endRun();
  return { work, longestRun };
}

/** A parser for Nix. Create with `NixParser.create()`; the wasm is loaded once per process. */
export class NixParser {
  private constructor(private readonly parser: Parser) {}

  static async create(): Promise<NixParser> {
    loading ??= loadLanguage();
    const language = await loading;
    const parser = new Parser();
    parser.setLanguage(language);
    return new NixParser(parser);
  }

  /**
   * Parses `text`; pass the previous tree (already `edit`ed) to reuse it incrementally. A
   * SourceText is read chunk by chunk and stays the tree's text (`node.text`) for its life.
   */
  parse(text: TextSource, previous?: Tree): Tree {
    const { work, longestRun } = parseWork(text);
    if (work > PARSE_WORK_LIMIT) {
      throw new ParseTooComplex(`names and dots written without a space for ${longestRun.toLocaleString('en')} characters`);
    }
    const input = text instanceof SourceText ? (index: number) => text.readFrom(index) : text;
    const started = process.cpuUsage();
    let stopped = false;
    const tree = this.parser.parse(input, previous ?? null, {
      progressCallback: () => {
        const used = process.cpuUsage(started);
        stopped = used.user + used.system > PARSE_CPU_LIMIT_MS * 1000;
        return stopped;
      },
    });
    if (stopped) {
      // The next parse would otherwise resume this one.
      this.parser.reset();
      throw new ParseTooComplex(`more than ${PARSE_CPU_LIMIT_MS / 1000} s of parsing`);
    }
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}
