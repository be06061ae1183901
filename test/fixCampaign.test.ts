// Fix-validity campaign: the rule fixtures that offer fixes, rewritten the ways people write
// configurations (nested instead of dotted, list values let-bound, items concatenated or
// interpolated, the whole module under mkIf, in a specialisation, moved into an imported file,
// comments between bindings), a few variants combined per configuration, chosen by a seed. Every
// fix offered on every generated configuration is applied and must leave text that Nix parses
// (`nix-instantiate --parse`, many files per process), clear its finding, keep the list items it
// does not mean to remove, and change nothing when applied again. On failure the seed, the
// variants and the file are printed. FIX_CAMPAIGN_SEED / FIX_CAMPAIGN_CASES change the run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { Analysis, runRules } from '../server/src/analysis/analyze';
import { fixEdits } from '../server/src/fixes/registry';
import { FileEdit, FixRequest } from '../server/src/fixes/types';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { OptionModel } from '../server/src/model/optionModel';
import { knownText } from '../server/src/model/values';
import { NixParser, SyntaxNode } from '../server/src/parse/nixParser';
import { fixesOf } from '../server/src/rules/types';
import { applyEdits } from '../server/src/text';
import { seededRandom, sharedParser } from './helpers';
import { needsNixInstantiate, nixParseErrorsOfFiles } from './nixInstantiate';
import { RuleCase, ruleCases } from './ruleFixtures';

const SEED = Number(process.env.FIX_CAMPAIGN_SEED ?? 20261202);
const CASES = Number(process.env.FIX_CAMPAIGN_CASES ?? 160);

type Files = Map<string, string>;
interface Variant {
  name: string;
  /** The files after the rewrite, or undefined when the root does not have the shape it needs. */
  apply(files: Files, root: string, parser: NixParser): Files | undefined;
}

/** The attribute set a module returns (under its function and any `let`), if it is one. */
function moduleBody(parser: NixParser, text: string): { start: number; end: number; letStart: number } | undefined {
  const tree = parser.parse(text);
  try {
    let node: SyntaxNode | null = tree.rootNode.namedChildren.find((child) => child?.type !== 'comment') ?? null;
    if (node?.type === 'function_expression') node = node.childForFieldName('body');
    const letStart = node?.startIndex ?? 0;
    while (node?.type === 'let_expression') node = node.childForFieldName('body');
    if (node?.type !== 'attrset_expression') return undefined;
    return { start: node.startIndex, end: node.endIndex, letStart };
  } finally {
    tree.delete();
  }
}

/** The top-level bindings of the module's set: text range, attribute path and value range. */
function topBindings(parser: NixParser, text: string): { start: number; end: number; path: string[]; value: { start: number; end: number; type: string } }[] {
  const body = moduleBody(parser, text);
  if (!body) return [];
  const tree = parser.parse(text);
  try {
    const set = tree.rootNode.descendantForIndex(body.start, body.end);
    const found: ReturnType<typeof topBindings> = [];
    let node: SyntaxNode | null = set;
    while (node && !(node.type === 'attrset_expression' && node.startIndex === body.start && node.endIndex === body.end)) node = node.parent;
    const bindingSet = node?.namedChildren.find((child) => child?.type === 'binding_set');
    for (const binding of bindingSet?.namedChildren ?? []) {
      if (binding?.type !== 'binding') continue;
      const attrpath = binding.childForFieldName('attrpath');
      const value = binding.childForFieldName('expression');
      if (!attrpath || !value) continue;
      const path = attrpath.namedChildren.map((attr) => attr?.text ?? '');
      if (path.some((name) => !/^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name))) continue;
      found.push({ start: binding.startIndex, end: binding.endIndex, path, value: { start: value.startIndex, end: value.endIndex, type: value.type } });
    }
    return found;
  } finally {
    tree.delete();
  }
}

const replaceRoot = (files: Files, root: string, text: string): Files => new Map([...files, [root, text]]);

/** The module with `names` among its function's arguments (Nix rejects a free variable even when only parsing). */
function withArguments(parser: NixParser, text: string, names: string[]): string {
  const tree = parser.parse(text);
  try {
    const fn = tree.rootNode.namedChildren.find((child) => child?.type !== 'comment');
    const formals = fn?.type === 'function_expression' ? fn.childForFieldName('formals') : null;
    if (!fn || fn.type !== 'function_expression') return `{ ${names.join(', ')}, ... }:\n${text}`;
    if (!formals) return text; // `args: …`: a set pattern cannot be added here; the caller checks what Nix says
    const have = new Set(formals.namedChildren.filter((child) => child?.type === 'formal').map((child) => child!.childForFieldName('name')?.text));
    const missing = names.filter((name) => !have.has(name));
    if (missing.length === 0) return text;
    const at = formals.startIndex + 1;
    return `${text.slice(0, at)} ${missing.join(', ')},${text.slice(at)}`;
  } finally {
    tree.delete();
  }
}

const VARIANTS: Variant[] = [
  {
    name: 'nested: dotted bindings grouped under their first name',
    apply(files, root, parser) {
      const text = files.get(root)!;
      const bindings = topBindings(parser, text).filter((binding) => binding.path.length > 1);
      const firstNames = new Set(bindings.map((binding) => binding.path[0]!));
      const all = topBindings(parser, text);
      // A name also bound whole (`boot = …;`) cannot take a second set.
      const groupable = [...firstNames].filter((name) => !all.some((binding) => binding.path.length === 1 && binding.path[0] === name));
      if (groupable.length === 0) return undefined;
      const name = groupable[0]!;
      const members = bindings.filter((binding) => binding.path[0] === name);
      const inner = members.map((binding) => `    ${binding.path.slice(1).join('.')} = ${text.slice(binding.value.start, binding.value.end)};`).join('\n');
      let out = text;
      for (const binding of [...members].reverse()) out = out.slice(0, binding.start) + out.slice(binding.end);
      // Removing the later members leaves the first one's place where it was.
      const at = members[0]!.start;
      out = `${out.slice(0, at)}${name} = {\n${inner}\n  };${out.slice(at)}`;
      return replaceRoot(files, root, out);
    },
  },
  {
    name: 'let-bound: a list value moved into a let binding',
    apply(files, root, parser) {
      const text = files.get(root)!;
      const body = moduleBody(parser, text);
      const list = topBindings(parser, text).find((binding) => binding.value.type === 'list_expression');
      if (!body || !list) return undefined;
      const name = `${list.path[list.path.length - 1]}Value`;
      const value = text.slice(list.value.start, list.value.end);
      const out = `${text.slice(0, body.start)}let\n  ${name} = ${value};\nin\n${text.slice(body.start, list.value.start)}${name}${text.slice(list.value.end)}`;
      return replaceRoot(files, root, out);
    },
  },
  {
    name: 'concatenated: "key=value" items written as "key=" + "value"',
    apply(files, root) {
      const text = files.get(root)!;
      let changed = false;
      const out = text.replace(/"([a-z_.-]+=)([A-Za-z0-9:,._-]+)"/g, (_, key: string, value: string) => {
        changed = true;
        return `("${key}" + "${value}")`;
      });
      return changed ? replaceRoot(files, root, out) : undefined;
    },
  },
  {
    name: 'interpolated: a value inside "${…}"',
    apply(files, root) {
      const text = files.get(root)!;
      let changed = false;
      const out = text.replace(/"([a-z_.-]+=)(on|off|pt|1|0)"/g, (_, key: string, value: string) => {
        changed = true;
        return `"${key}\${"${value}"}"`;
      });
      return changed ? replaceRoot(files, root, out) : undefined;
    },
  },
  {
    name: 'mkIf: the module body under lib.mkIf',
    apply(files, root, parser) {
      const text = files.get(root)!;
      const body = moduleBody(parser, text);
      if (!body) return undefined;
      const wrapped = `${text.slice(0, body.start)}lib.mkIf config.my.vfio.enable (${text.slice(body.start, body.end)})${text.slice(body.end)}`;
      return replaceRoot(files, root, withArguments(parser, wrapped, ['config', 'lib']));
    },
  },
  {
    name: 'specialisation: the module body as a specialisation',
    apply(files, root, parser) {
      const text = files.get(root)!;
      // NixOS has no specialisations inside specialisations.
      if (text.includes('specialisation')) return undefined;
      const body = moduleBody(parser, text);
      if (!body) return undefined;
      const inner = text.slice(body.start, body.end);
      return replaceRoot(files, root, `${text.slice(0, body.start)}{\n  specialisation.vfio.configuration = ${inner};\n}${text.slice(body.end)}`);
    },
  },
  {
    name: 'imported: the module moved into ./vfio-module.nix, the root imports it',
    apply(files, root) {
      const moved = join(dirname(root), 'vfio-module.nix');
      if (files.has(moved)) return undefined;
      return new Map([...files, [moved, files.get(root)!], [root, '{ ... }:\n{\n  imports = [ ./vfio-module.nix ];\n}\n']]);
    },
  },
  {
    name: 'comments: a comment line before every top-level binding',
    apply(files, root, parser) {
      const text = files.get(root)!;
      const bindings = topBindings(parser, text);
      if (bindings.length === 0) return undefined;
      let out = text;
      for (const binding of [...bindings].reverse()) out = `${out.slice(0, binding.start)}# about ${binding.path.join('.')}\n  ${out.slice(binding.start)}`;
      return replaceRoot(files, root, out);
    },
  },
];

interface Generated {
  label: string;
  testCase: RuleCase;
  files: Files;
}

/** The fixture with 1–3 variants applied (each that fits), chosen by `random`. */
function generate(testCase: RuleCase, files: Files, parser: NixParser, random: () => number): Generated {
  const count = 1 + Math.floor(random() * 3);
  const applied: string[] = [];
  let current = files;
  for (let i = 0; i < count; i++) {
    const variant = VARIANTS[Math.floor(random() * VARIANTS.length)]!;
    const next = variant.apply(current, testCase.root, parser);
    if (!next) continue;
    current = next;
    applied.push(variant.name.split(':')[0]!);
  }
  return { label: `${testCase.name} + [${applied.join(', ')}]`, testCase, files: current };
}

function analyse(parser: NixParser, generated: { testCase: RuleCase; files: Files }): Analysis {
  const loader = diskLoader(parser, (path) => (generated.files.has(path) ? { text: generated.files.get(path)! } : undefined));
  return runRules(buildModel(generated.testCase.root, loader), generated.testCase.hardware, generated.testCase.settings);
}

function applyFileEdits(files: Files, edits: FileEdit[]): Files {
  const result = new Map(files);
  for (const file of new Set(edits.map((edit) => edit.file)))
    result.set(
      file,
      applyEdits(
        files.get(file) ?? '',
        edits.filter((edit) => edit.file === file),
      ),
    );
  return result;
}

/**
 * Every known list item of every definition, by text, counted. Kept means kept somewhere:
 * a fix may move a list to its right option (`kernelParams` → `boot.kernelParams`).
 */
function listItems(model: OptionModel): Map<string, number> {
  const items = new Map<string, number>();
  for (const definition of model.definitions) {
    if (definition.value.kind !== 'list') continue;
    for (const item of definition.value.items) {
      const text = knownText(item.value);
      if (text === undefined) continue;
      const key = `list item: ${text}`;
      items.set(key, (items.get(key) ?? 0) + 1);
    }
  }
  return items;
}

/** Whether an item now holds every word `item` held (`ids=a` became `ids=a,b`). */
function extendedIn(item: string, kept: Map<string, number>): boolean {
  const option = item.slice(0, item.indexOf(': '));
  const words = (text: string) =>
    new Set(
      text
        .slice(text.indexOf(': ') + 2)
        .split(/[\s,=]+/)
        .filter(Boolean),
    );
  const wanted = words(item);
  return [...kept.keys()].some((other) => other.startsWith(`${option}: `) && [...wanted].every((word) => words(other).has(word)));
}

/** Items a request means to take away or change: any string its arguments name, in any item holding it. */
function namedByRequest(request: FixRequest, item: string): boolean {
  const named: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') named.push(value.toLowerCase());
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(request.args);
  const text = item.slice(item.indexOf(': ') + 2).toLowerCase();
  return named.some((name) => name !== '' && (text.includes(name) || name.includes(text)));
}

interface Applied {
  label: string;
  fix: string;
  files: Files;
  changed: string[];
}

test(`fix-validity campaign: every fix on ${CASES} generated configurations (seed ${SEED})`, { timeout: 600_000 }, async (t) => {
  const nix = needsNixInstantiate(t);
  if (!nix) return;
  const parser = await sharedParser();
  const random = seededRandom(SEED);
  const fixable = ruleCases().filter((testCase) => analyse(parser, { testCase, files: filesOf(testCase) }).findings.some((finding) => finding.fix));
  assert.ok(fixable.length >= 40, `only ${fixable.length} fixtures offer fixes`);
  const problems: string[] = [];
  const results: Applied[] = [];
  const generatedFiles: Generated[] = [];
  let fixesTried = 0;
  for (let index = 0; index < CASES; index++) {
    const testCase = fixable[Math.floor(random() * fixable.length)]!;
    const generated = generate(testCase, filesOf(testCase), parser, random);
    const where = `seed ${SEED}, case ${index}: ${generated.label}`;
    generatedFiles.push({ ...generated, label: where });
    const before = analyse(parser, generated);
    for (const finding of before.findings) {
      for (const request of fixesOf(finding)) {
        fixesTried++;
        const edits = fixEdits(before.model, request);
        const fixLabel = `${finding.code}: "${request.title}"`;
        if (edits.length === 0) {
          problems.push(`${where}\n  ${fixLabel} is offered but makes no edit`);
          continue;
        }
        const files = applyFileEdits(generated.files, edits);
        const changed = [...new Set(edits.map((edit) => edit.file))];
        results.push({ label: where, fix: fixLabel, files, changed });
        const after = analyse(parser, { testCase, files });
        const same = JSON.stringify(request);
        const show = () => changed.map((file) => `--- ${file}\n${files.get(file)}`).join('\n');
        if (after.findings.some((other) => other.code === finding.code && fixesOf(other).some((offered) => JSON.stringify(offered) === same)))
          problems.push(`${where}\n  ${fixLabel} does not clear its finding\n${show()}`);
        const again = fixEdits(after.model, request);
        if (again.length > 0) problems.push(`${where}\n  ${fixLabel} changes more when applied again: ${JSON.stringify(again)}\n${show()}`);
        const kept = listItems(after.model);
        for (const [item, count] of listItems(before.model)) {
          if ((kept.get(item) ?? 0) < count && !namedByRequest(request, item) && !extendedIn(item, kept))
            problems.push(`${where}\n  ${fixLabel} loses the list item ${item}\n${show()}`);
        }
      }
    }
  }
  // Nix's own parser on every edited file, many files per process.
  {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-campaign-'));
    try {
      const written: { path: string; result: Applied; file: string }[] = [];
      // The generated configurations themselves first: a rewrite that breaks the text is the generator's fault, not a fix's.
      generatedFiles.forEach((generated, number) => {
        for (const [file, text] of generated.files) {
          const path = join(dir, `generated-${number}-${written.length}.nix`);
          writeFileSync(path, text);
          written.push({ path, result: { label: generated.label, fix: '(before any fix)', files: generated.files, changed: [file] }, file });
        }
      });
      results.forEach((result, number) => {
        for (const file of result.changed) {
          const path = join(dir, `${number}-${written.length}.nix`);
          writeFileSync(path, result.files.get(file)!);
          written.push({ path, result, file });
        }
      });
      for (const failure of nixParseErrorsOfFiles(written.map((entry) => entry.path))) {
        const entry = written.find((candidate) => candidate.path === failure.file)!;
        problems.push(
          `${entry.result.label}\n  ${entry.result.fix}: nix-instantiate --parse rejects ${entry.file}: ${failure.error}\n${entry.result.files.get(entry.file)}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  t.diagnostic(`${CASES} configurations, ${fixesTried} fixes applied, ${results.length} results checked`);
  assert.ok(fixesTried >= CASES, `only ${fixesTried} fixes were tried`);
  for (const problem of problems) t.diagnostic(problem.split('\n').slice(0, 2).join(' | '));
  assert.deepEqual(problems.slice(0, 5), [], `${problems.length} invalid results (first 5 shown; rerun with FIX_CAMPAIGN_SEED=${SEED})`);
});

function filesOf(testCase: RuleCase): Files {
  const model = buildModel(testCase.root, diskLoader(parserSync()));
  return new Map([...model.files].map(([path, file]) => [path, file.text]));
}

let parserInstance: NixParser | undefined;
function parserSync(): NixParser {
  assert.ok(parserInstance, 'the parser is created before the files are read');
  return parserInstance;
}
before(async () => {
  parserInstance = await sharedParser();
});
