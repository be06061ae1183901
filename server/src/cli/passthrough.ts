// `nix-vfio passthrough <file.nix> <pci-address> [--hardware snapshot.json] [--dry-run] [--allow-shared-group]`:
// what the editor's "Pass through this device" does, with the same core plan and the same guard
// (exit 1, nothing written, when the device's IOMMU group holds devices the host needs).
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { applySteps, planPassthrough } from '../editor/passthrough';
import { HardwareSnapshot } from '../hardware/snapshot';
import { scanSysfs } from '../hardware/scanSysfs';
import { buildModel } from '../model/buildModel';
import { diskLoader } from '../model/loadFiles';
import { NixParser } from '../parse/nixParser';
import { applyEdits } from '../text';
import { CliCommand, parseArgs, stringOption, UsageError } from './args';
import { overlaid, readSnapshotFile } from './check';
import { unifiedDiff } from './unifiedDiff';

const PCI_ADDRESS = /^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

export const passthroughCommand: CliCommand = {
  name: 'passthrough',
  usage: 'passthrough <file.nix> <pci-address> [--hardware <snapshot.json>] [--dry-run] [--allow-shared-group]',
  async run(argv, io) {
    const args = parseArgs(argv, ['hardware'], ['dry-run', 'allow-shared-group']);
    if (args.positional.length !== 2) throw new UsageError('give the configuration file and the PCI address of the device');
    const [fileArgument, addressArgument] = args.positional as [string, string];
    if (!PCI_ADDRESS.test(addressArgument)) throw new UsageError(`${addressArgument} is not a PCI address (like 0000:01:00.0 or 01:00.0)`);
    const address = (/^[0-9a-fA-F]{4}:/.test(addressArgument) && addressArgument.length === 12 ? addressArgument : `0000:${addressArgument}`).toLowerCase();
    const hardwarePath = stringOption(args, 'hardware');
    let hardware: HardwareSnapshot | undefined;
    if (hardwarePath !== undefined) {
      hardware = readSnapshotFile(resolve(io.cwd, hardwarePath), io);
    } else {
      const scan = scanSysfs('/');
      for (const warning of scan.warnings) io.stderr(`warning: ${warning}\n`);
      if (!scan.snapshot) io.stderr(`no hardware: ${scan.reason} (give --hardware snapshot.json)\n`);
      hardware = scan.snapshot;
    }
    if (!hardware) return 2;
    const file = resolve(io.cwd, fileArgument);
    const parser = await NixParser.create();
    const loader = diskLoader(parser);
    const probe = loader(file);
    if ('error' in probe) {
      io.stderr(`nix-vfio passthrough: cannot read ${file}: ${probe.error}\n`);
      return 2;
    }
    probe.release?.();
    const model = buildModel(file, loader);
    const plan = planPassthrough(model, hardware, address, { allowSharedGroup: args.options.has('allow-shared-group') });
    if ('error' in plan) {
      io.stderr(`nix-vfio passthrough: ${plan.error}\n`);
      return 1;
    }
    const rebuild = (texts: ReadonlyMap<string, string>) => buildModel(file, overlaid(parser, loader, texts));
    const edits = applySteps(model, plan.steps, rebuild);
    for (const note of plan.notes) io.stderr(`note: ${note}\n`);
    if (edits.length === 0) {
      io.stderr('nothing to add: this device is already passed through\n');
      return 0;
    }
    for (const path of new Set(edits.map((edit) => edit.file))) {
      const before = model.files.get(path)?.text ?? '';
      const after = applyEdits(
        before,
        edits.filter((edit) => edit.file === path),
      );
      if (args.options.has('dry-run')) io.stdout(unifiedDiff(relative(io.cwd, path) || path, before, after));
      else {
        writeFileSync(path, after);
        io.stderr(`wrote ${relative(io.cwd, path) || path}\n`);
      }
    }
    return 0;
  },
};
