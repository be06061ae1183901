// Where `scan` and `groups` get hardware from: this machine (or a fixture root), a pasted
// listing, or a snapshot file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importListing } from '../hardware/importListing';
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
    const { snapshot, unreadLines } = importListing(text);
    for (const { line, text: content } of unreadLines) io.stderr(`${from}:${line}: not understood, skipped: ${content.trim()}\n`);
    if (snapshot.devices.length === 0) {
      io.stderr(`${from}: no devices found; paste the output of lspci -nn, lspci -nnk or the IOMMU-group script\n`);
      return undefined;
    }
    return snapshot;
  }
  const result = scanSysfs(resolve(io.cwd, root ?? '/'));
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  if (!result.snapshot) {
    io.stderr(`no hardware: ${result.reason}\n`);
    return undefined;
  }
  return result.snapshot;
}
