// `nix-vfio check <file> [--hardware <snapshot.json>] [--format text|json] [--fix | --dry-run]`
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { analyzeConfiguration, DEFAULT_SETTINGS } from '../analysis/analyze';
import { RULE_CODES } from '../analysis/catalogue';
import { fixAll } from '../analysis/fixAll';
import { HardwareSnapshot, parseSnapshot } from '../hardware/snapshot';
import { diskLoader } from '../model/loadFiles';
import { NixParser } from '../parse/nixParser';
import { READ_LIMITS, readRegularText } from '../regularFile';
import { Finding } from '../rules/types';
import { LineIndex } from '../text';
import { CliCommand, CliIo, parseArgs, stringOption, UsageError } from './args';
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

interface LocatedFinding {
  finding: Finding;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export const checkCommand: CliCommand = {
  name: 'check',
  usage: 'check <file.nix> [--hardware <snapshot.json>] [--format text|json] [--nixos-release YY.MM] [--disable <code,…>] [--fix | --dry-run]',
  async run(argv, io) {
    const args = parseArgs(argv, ['hardware', 'format', 'nixos-release', 'disable'], ['fix', 'dry-run']);
    const fixing = args.options.has('fix');
    const dryRun = args.options.has('dry-run');
    if (fixing && dryRun) throw new UsageError('give --fix or --dry-run, not both');
    const nixosRelease = stringOption(args, 'nixos-release') ?? DEFAULT_SETTINGS.nixosRelease;
    if (!/^\d{2}\.\d{2}$/.test(nixosRelease)) throw new UsageError(`--nixos-release takes a release like 25.05, not ${nixosRelease}`);
    const disabledRules = (stringOption(args, 'disable') ?? '').split(',').map((code) => code.trim()).filter(Boolean);
    const unknown = disabledRules.filter((code) => !RULE_CODES.includes(code));
    if (unknown.length > 0) throw new UsageError(`--disable: no rule has the code ${unknown.join(', ')} (the codes are listed in docs/rules.md)`);
    if (args.positional.length !== 1) throw new UsageError('give exactly one configuration file');
    const format = stringOption(args, 'format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not ${format}`);
    const file = resolve(io.cwd, args.positional[0]);
    const hardwarePath = stringOption(args, 'hardware');
    let hardware: HardwareSnapshot | undefined;
    if (hardwarePath !== undefined) {
      hardware = readSnapshotFile(resolve(io.cwd, hardwarePath), io);
      if (!hardware) return 2;
    }
    const parser = await NixParser.create();
    const loader = diskLoader(parser);
    // A root that cannot be read is bad input (exit 2), not a finding.
    const probe = loader(file);
    if ('error' in probe) {
      io.stderr(`nix-vfio check: cannot read ${file}: ${probe.error}\n`);
      return 2;
    }
    probe.release?.();
    const settings = { disabledRules, nixosRelease };
    let analysis;
    if (fixing || dryRun) {
      // Every preferred fix, one at a time with the configuration re-read between them.
      const result = fixAll(file, parser, loader, hardware, settings);
      for (const [path, text] of result.changed) {
        const shown = relative(io.cwd, path) || path;
        if (dryRun) io.stdout(unifiedDiff(shown, result.original.get(path) ?? '', text));
        else writeFileSync(path, text);
      }
      for (const { code, title } of result.applied) io.stderr(`${dryRun ? 'would fix' : 'fixed'}: ${code}: ${title}\n`);
      for (const { code, title, reason } of result.skipped) io.stderr(`not fixed: ${code}: ${title}: ${reason}\n`);
      if (dryRun) return result.analysis.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
      analysis = result.analysis;
    } else {
      analysis = analyzeConfiguration(file, loader, hardware, settings);
    }
    const indexes = new Map<string, LineIndex>();
    const ordered = [...analysis.findings].sort(
      (a, b) => a.file.localeCompare(b.file) || a.range.start - b.range.start || a.code.localeCompare(b.code),
    );
    const located: LocatedFinding[] = ordered.map((finding) => {
      let index = indexes.get(finding.file);
      if (!index) {
        index = new LineIndex(analysis.model.files.get(finding.file)?.text ?? '');
        indexes.set(finding.file, index);
      }
      const start = index.positionAt(finding.range.start);
      const end = index.positionAt(finding.range.end);
      return {
        finding,
        file: relative(io.cwd, finding.file) || finding.file,
        line: start.line + 1,
        column: start.character + 1,
        endLine: end.line + 1,
        endColumn: end.character + 1,
      };
    });
    if (format === 'json') {
      const output = located.map(({ finding, file: path, line, column, endLine, endColumn }) => ({
        file: path,
        line,
        column,
        endLine,
        endColumn,
        severity: finding.severity,
        code: finding.code,
        message: finding.message,
        fix: finding.fix?.title,
      }));
      io.stdout(JSON.stringify(output, null, 2) + '\n');
    } else {
      for (const { finding, file: path, line, column } of located) {
        io.stdout(`${path}:${line}:${column}: ${finding.severity} ${finding.code} ${finding.message}\n`);
      }
      if (!hardware) io.stderr('note: no --hardware snapshot given; checks that need the PCI devices were skipped\n');
    }
    for (const failure of analysis.ruleFailures) io.stderr(`internal error in rule ${failure.code}: ${failure.error}\n`);
    return analysis.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
  },
};
