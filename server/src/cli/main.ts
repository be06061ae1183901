#!/usr/bin/env node
// Entry point of `nix-vfio`: dispatches to one module per command.
import { CliCommand, CliIo, UsageError } from './args';
import { checkCommand } from './check';
import { groupsCommand } from './groups';
import { CLI_VERSION, commandHelp, COMMAND_HELP } from './help';
import { passthroughCommand } from './passthrough';
import { scanCommand } from './scan';

const commands: CliCommand[] = [checkCommand, scanCommand, groupsCommand, passthroughCommand];

function usage(): string {
  return [
    'usage: nix-vfio <command> [options]',
    '',
    ...commands.map((command) => `  ${command.usage}${COMMAND_HELP[command.name] ? `\n      ${COMMAND_HELP[command.name]!.summary}` : ''}`),
    '',
    '  nix-vfio <command> --help   what a command does and its options',
    '  nix-vfio --version          the version',
    '',
  ].join('\n');
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.stdout(`nix-vfio ${CLI_VERSION}\n`);
    return 0;
  }
  if (name === 'help' && rest[0] !== undefined) return runCli([rest[0], '--help'], io);
  if (name === undefined || isHelp(name) || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`nix-vfio: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  // Before the command reads its arguments: `check --help` needs no file.
  if (rest.some(isHelp)) {
    io.stdout(commandHelp(command.name, command.usage));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`nix-vfio ${name}: ${error.message}\nusage: nix-vfio ${command.usage}\n`);
      return 2;
    }
    io.stderr(`nix-vfio ${name}: internal error: ${(error as Error).stack ?? error}\n`);
    return 3;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`nix-vfio: internal error: ${String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
