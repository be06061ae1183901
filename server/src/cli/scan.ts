// `nix-vfio scan [--root DIR] [--from FILE] [--output snapshot.json]`
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliCommand, parseArgs, stringOption, UsageError } from './args';
import { hardwareFromArgs, LISTING_OPTIONS } from './hardwareInput';

export const scanCommand: CliCommand = {
  name: 'scan',
  usage: 'scan [--root DIR | --from lspci.txt [--section N] [--cpu-vendor intel|amd]] [--output snapshot.json]',
  async run(argv, io) {
    const args = parseArgs(argv, ['root', 'from', 'output', ...LISTING_OPTIONS]);
    if (args.positional.length > 0) throw new UsageError(`unexpected ${args.positional[0]}`);
    const snapshot = hardwareFromArgs(args, io, false);
    if (!snapshot) return 2;
    const json = JSON.stringify(snapshot, null, 2) + '\n';
    const output = stringOption(args, 'output');
    if (output === undefined) {
      io.stdout(json);
      return 0;
    }
    try {
      writeFileSync(resolve(io.cwd, output), json);
    } catch (error) {
      io.stderr(`cannot write ${output}: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr(`wrote ${output}: ${snapshot.devices.length} devices\n`);
    return 0;
  },
};
