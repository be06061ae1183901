// `nix-vfio groups [--root DIR | --from FILE | --hardware snapshot.json]`
import { groupsTable } from '../hardware/groupsTable';
import { CliCommand, parseArgs, UsageError } from './args';
import { hardwareFromArgs, LISTING_OPTIONS } from './hardwareInput';

export const groupsCommand: CliCommand = {
  name: 'groups',
  usage: 'groups [--root DIR | --from lspci.txt [--section N] [--cpu-vendor intel|amd] | --hardware snapshot.json]',
  async run(argv, io) {
    const args = parseArgs(argv, ['root', 'from', 'hardware', ...LISTING_OPTIONS]);
    if (args.positional.length > 0) throw new UsageError(`unexpected ${args.positional[0]}`);
    const snapshot = hardwareFromArgs(args, io, true);
    if (!snapshot) return 2;
    io.stdout(groupsTable(snapshot));
    return 0;
  },
};
