// Where `scan` and `groups` get hardware from: this machine (or a fixture root), a pasted
// listing, or a snapshot file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importListing } from '../hardware/importListing';
import { importMessages } from '../hardware/importReport';
import { scanSysfs } from '../hardware/scanSysfs';
import { READ_LIMITS, readRegularText } from '../regularFile';
import { HardwareSnapshot } from '../hardware/snapshot';
import { CliIo, ParsedArgs, stringOption, UsageError } from './args';
import { readSnapshotFile } from './check';

/** The snapshot the options ask for; undefined (after saying why on stderr) when there is none. */
export function hardwareFromArgs(args: ParsedArgs, io: CliIo, allowSnapshot: boolean): HardwareSnapshot | undefined {
  const from = stringOption(args, 'from');
  const root = stringOption(args, 'root');
  const snapshotFile = allowSnapshot ? stringOption(args, 'hardware') : undefined;
  if ([from, root, snapshotFile].filter((option) => option !== undefined).length > 1) {
    throw new UsageError(`give one of --root, --from${allowSnapshot ? ', --hardware' : ''}`);
  }
  if (from === undefined && (args.options.has('section') || args.options.has('cpu-vendor'))) throw new UsageError('--section and --cpu-vendor go with --from');
  if (snapshotFile !== undefined) return readSnapshotFile(resolve(io.cwd, snapshotFile), io);
  if (from !== undefined) {
    let text: string;
    if (from === '-') {
      // Standard input is a pipe by design: the user asked for it and ends it.
      try {
        text = readFileSync(0, 'utf8');
      } catch (error) {
        io.stderr(`cannot read ${from}: ${(error as Error).message}\n`);
        return undefined;
      }
    } else {
      const read = readRegularText(resolve(io.cwd, from), { maxBytes: READ_LIMITS.snapshot });
      if (!read.ok) {
        io.stderr(`cannot read ${from}: ${read.reason}\n`);
        return undefined;
      }
      text = read.text;
    }
    const result = importListing(text, listingOptions(args));
    for (const message of importMessages(result, from)) io.stderr(`${message}\n`);
    return result.ok ? result.snapshot : undefined;
  }
  const result = scanSysfs(resolve(io.cwd, root ?? '/'));
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  if (!result.snapshot) {
    io.stderr(`no hardware: ${result.reason}\n`);
    return undefined;
  }
  return result.snapshot;
}

/** `--section N` and `--cpu-vendor intel|amd`, for a pasted listing. */
function listingOptions(args: ParsedArgs): { section?: number; cpuVendor?: 'intel' | 'amd' } {
  const section = stringOption(args, 'section');
  const cpuVendor = stringOption(args, 'cpu-vendor');
  if (section !== undefined && !/^[1-9]\d{0,5}$/.test(section)) throw new UsageError(`--section takes a section number (1, 2, …), not ${section}`);
  if (cpuVendor !== undefined && cpuVendor !== 'intel' && cpuVendor !== 'amd') throw new UsageError(`--cpu-vendor is intel or amd, not ${cpuVendor}`);
  return { ...(section ? { section: Number(section) } : {}), ...(cpuVendor ? { cpuVendor } : {}) };
}

/** Options `scan` and `groups` take for a pasted listing. */
export const LISTING_OPTIONS = ['section', 'cpu-vendor'] as const;
