// `nix-vfio check <path>… [--host NAME] [--hardware <snapshot.json>] [--format text|json|sarif]`:
// a folder is searched for hosts (flake.nix, configuration.nix, hosts/<name>/), a file is checked
// as part of every host that reads it (alone, without "missing" claims, when none does). Hosts,
// releases and hardware come from the same host layer the language server uses. `--fix` applies
// every preferred fix to one host's files, `--dry-run` prints them as a unified diff.
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { RULE_CODES } from '../analysis/catalogue';
import { fixAll } from '../analysis/fixAll';
import { HardwareSnapshot, parseSnapshot } from '../hardware/snapshot';
import { analyzeHost, hostLabel, HostAnalysis } from '../host/analyzeHost';
import { diskAccess, onceLoader } from '../host/diskAccess';
import { HostLayer, HostTarget } from '../host/workspace';
import { SourceLoader } from '../model/buildModel';
import { diskLoader } from '../model/loadFiles';
import { OptionModel } from '../model/optionModel';
import { NixParser } from '../parse/nixParser';
import { isTooComplexProblem } from '../parse/tooComplex';
import { READ_LIMITS, readRegularText } from '../regularFile';
import { LineIndex } from '../text';
import { CliCommand, CliIo, parseArgs, stringOption, UsageError } from './args';
import { LocatedResult, toSarif } from './sarif';
import { unifiedDiff } from './unifiedDiff';

/** Reads and validates a snapshot file; undefined (after telling the user why) when it is unusable. */
export function readSnapshotFile(path: string, io: CliIo): HardwareSnapshot | undefined {
  const read = readRegularText(path, { maxBytes: READ_LIMITS.snapshot });
  if (!read.ok) {
    io.stderr(`cannot read hardware snapshot ${path}: ${read.reason}\n`);
    return undefined;
  }
  const result = parseSnapshot(read.text);
  if (!result.ok) {
    io.stderr(`hardware snapshot ${path} is not usable:\n${result.problems.map((problem) => `  ${problem.path || '(top)'}: ${problem.message}`).join('\n')}\n`);
    return undefined;
  }
  return result.snapshot;
}

/** One thing to analyse, and which of its files the user asked about (undefined: all). */
interface CheckTarget {
  target: HostTarget;
  model: OptionModel;
  files?: Set<string>;
}

const FORMATS = ['text', 'json', 'sarif'];

export const checkCommand: CliCommand = {
  name: 'check',
  usage:
    'check <file.nix|folder>… [--host NAME] [--hardware <snapshot.json>] [--format text|json|sarif] [--nixos-release YY.MM] [--disable <code,…>] [--fix | --dry-run]',
  async run(argv, io) {
    const args = parseArgs(argv, ['hardware', 'format', 'nixos-release', 'disable', 'host'], ['fix', 'dry-run']);
    const fixing = args.options.has('fix');
    const dryRun = args.options.has('dry-run');
    if (fixing && dryRun) throw new UsageError('give --fix or --dry-run, not both');
    const nixosRelease = stringOption(args, 'nixos-release');
    if (nixosRelease !== undefined && !/^\d{2}\.\d{2}$/.test(nixosRelease))
      throw new UsageError(`--nixos-release takes a release like 25.05, not ${nixosRelease}`);
    const disabledRules = (stringOption(args, 'disable') ?? '')
      .split(',')
      .map((code) => code.trim())
      .filter(Boolean);
    const unknown = disabledRules.filter((code) => !RULE_CODES.includes(code));
    if (unknown.length > 0) throw new UsageError(`--disable: no rule has the code ${unknown.join(', ')} (the codes are listed in docs/rules.md)`);
    if (args.positional.length === 0) throw new UsageError('give a configuration file or a folder to check');
    const format = stringOption(args, 'format') ?? 'text';
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be text, json or sarif, not ${format}`);
    const onlyHost = stringOption(args, 'host');
    const hardwarePath = stringOption(args, 'hardware');
    let givenHardware: HardwareSnapshot | undefined;
    if (hardwarePath !== undefined) {
      givenHardware = readSnapshotFile(resolve(io.cwd, hardwarePath), io);
      if (!givenHardware) return 2;
    }
    const parser = await NixParser.create();
    // Each file is parsed once for the whole run, however many hosts import it.
    const once = onceLoader(diskLoader(parser));
    try {
      const access = diskAccess(once.load);
      const layer = new HostLayer(access);
      const targets = new Map<string, CheckTarget>();
      const add = (key: string, target: HostTarget, model: OptionModel, file: string | undefined) => {
        const existing = targets.get(key);
        if (!existing) targets.set(key, { target, model, files: file === undefined ? undefined : new Set([file]) });
        else if (file === undefined) existing.files = undefined;
        else existing.files?.add(file);
      };
      for (const argument of args.positional) {
        const path = resolve(io.cwd, argument);
        if (access.isDirectory(path)) {
          const hosts = layer.hostsUnder(path);
          if (hosts.length === 0) io.stderr(`note: no host found in ${argument} (no flake.nix with nixosConfigurations, configuration.nix or hosts/<name>/)\n`);
          for (const host of hosts) add(host.id, { host }, layer.model({ host }), undefined);
          continue;
        }
        // A file that cannot be read is bad input (exit 2), not a finding; one too complex to parse
        // is valid Nix, reported as file-too-complex.
        const probe = access.load(path);
        if ('error' in probe && !isTooComplexProblem(probe.error)) {
          io.stderr(`nix-vfio check: cannot read ${path}: ${probe.error}\n`);
          return 2;
        }
        if (!('error' in probe)) probe.release?.();
        const file = 'error' in probe ? path : probe.path;
        const hosts = layer.hostsOf(file);
        if (hosts.length === 0) add(file, { alone: file }, layer.model({ alone: file }), file);
        for (const { host, model } of hosts) add(host.id, { host }, model, file);
      }
      let chosen = [...targets.values()];
      if (onlyHost !== undefined) {
        chosen = chosen.filter(({ target }) => 'host' in target && target.host.name === onlyHost);
        if (chosen.length === 0) throw new UsageError(`no host named ${onlyHost} reads the given paths`);
      }
      if (fixing || dryRun) {
        if (chosen.length !== 1)
          throw new UsageError(`--fix and --dry-run work on one host at a time; these paths belong to ${chosen.length} (choose one with --host)`);
        const { target, model } = chosen[0]!;
        const hardware = givenHardware ?? hostHardware(layer, target, model, io);
        const release = layer.release(target, model, nixosRelease);
        const settings = { disabledRules, nixosRelease: release.release, nixosReleaseSource: release.source };
        const loader = diskLoader(parser);
        // The whole host again (a flake host has several roots), with the fixed texts in place.
        const rebuild = (texts: ReadonlyMap<string, string>) => new HostLayer(diskAccess(overlaid(parser, loader, texts))).model(target);
        const result = fixAll(model, rebuild, hardware, settings, (text) => parser.parse(text));
        for (const [path, text] of result.changed) {
          if (dryRun) io.stdout(unifiedDiff(relative(io.cwd, path) || path, result.original.get(path) ?? '', text));
          else writeFileSync(path, text);
        }
        for (const { code, title } of result.applied) io.stderr(`${dryRun ? 'would fix' : 'fixed'}: ${code}: ${title}\n`);
        for (const { code, title, reason } of result.skipped) io.stderr(`not fixed: ${code}: ${title}: ${reason}\n`);
        if (dryRun) return result.analysis.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
        // What is left, read from the files as written.
        return checkCommand.run(
          argv.filter((arg) => arg !== '--fix'),
          io,
        );
      }
      const located: LocatedResult[] = [];
      let failed = false;
      let someWithoutHardware = false;
      for (const { target, model, files } of chosen) {
        const release = layer.release(target, model, nixosRelease);
        const hardware = givenHardware ?? hostHardware(layer, target, model, io);
        if (!hardware) someWithoutHardware = true;
        const analysis = analyzeHost(target, model, hardware, release, disabledRules, hostLabel(target, access));
        if ('alone' in target && format === 'text')
          io.stderr(`note: ${relative(io.cwd, target.alone) || target.alone}: ${model.partial}; checks for missing settings were skipped\n`);
        for (const failure of analysis.ruleFailures) io.stderr(`internal error in rule ${failure.code}: ${failure.error}\n`);
        for (const result of locate(analysis, files)) {
          located.push(result);
          if (result.severity === 'error') failed = true;
        }
      }
      located.sort(
        (a, b) =>
          a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code) || (a.host ?? '').localeCompare(b.host ?? ''),
      );
      const shown = (file: string) => relative(io.cwd, file) || file;
      if (format === 'json') {
        const output = located.map((result) => ({
          file: shown(result.file),
          line: result.line,
          column: result.column,
          endLine: result.endLine,
          endColumn: result.endColumn,
          severity: result.severity,
          code: result.code,
          message: result.message,
          host: result.host ?? null,
          fix: result.fix,
        }));
        io.stdout(JSON.stringify(output, null, 2) + '\n');
      } else if (format === 'sarif') {
        io.stdout(JSON.stringify(toSarif(located, io.cwd), null, 2) + '\n');
      } else {
        for (const result of located) io.stdout(`${shown(result.file)}:${result.line}:${result.column}: ${result.severity} ${result.code} ${result.message}\n`);
        if (someWithoutHardware) {
          io.stderr('note: no --hardware snapshot given and no hardware.nix-vfio.json beside the host; checks that need the PCI devices were skipped\n');
        }
      }
      return failed ? 1 : 0;
    } finally {
      once.releaseAll();
    }
  },
};

/** `load`, with the texts in `texts` in place of those files' contents on disk. */
export function overlaid(parser: NixParser, load: SourceLoader, texts: ReadonlyMap<string, string>): SourceLoader {
  return (path) => {
    const text = texts.get(path);
    if (text === undefined) return load(path);
    const tree = parser.parse(text);
    return { path, text, tree, release: () => tree.delete() };
  };
}

/** The host's snapshot file, found as the editor finds it (the CLI never scans this machine unasked). */
function hostHardware(layer: HostLayer, target: HostTarget, model: OptionModel, io: CliIo): HardwareSnapshot | undefined {
  const plan = layer.hardware(target, model, { snapshotFile: '', scanMachine: false }, undefined);
  if (plan.choice.kind !== 'file') return undefined;
  return readSnapshotFile(plan.choice.path, io);
}

function locate(analysis: HostAnalysis, files: Set<string> | undefined): LocatedResult[] {
  const indexes = new Map<string, LineIndex>();
  const results: LocatedResult[] = [];
  for (const finding of analysis.findings) {
    if (files && !files.has(finding.file)) continue;
    let index = indexes.get(finding.file);
    if (!index) {
      index = new LineIndex(analysis.model.files.get(finding.file)?.text ?? '');
      indexes.set(finding.file, index);
    }
    const start = index.positionAt(finding.range.start);
    const end = index.positionAt(finding.range.end);
    results.push({
      code: finding.code,
      severity: finding.severity,
      message: finding.message,
      file: finding.file,
      line: start.line + 1,
      column: start.character + 1,
      endLine: end.line + 1,
      endColumn: end.character + 1,
      host: analysis.host,
      fix: finding.fix?.title,
    });
  }
  return results;
}
