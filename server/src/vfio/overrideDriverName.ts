// What a boot script writes into driver_override. The PCI core lets a device bind only the driver
// whose name equals driver_override exactly (drivers/pci/pci-driver.c, pci_match_device:
// `strcmp(dev->driver_override, drv->name)`), and vfio-pci's driver is named "vfio-pci"
// (drivers/vfio/pci/vfio_pci.c, `.name = "vfio-pci"`). The module is vfio_pci, and module tools
// take either spelling, so `modprobe vfio_pci` is fine but `echo vfio_pci > …/driver_override`
// binds the device to no driver at all. Sources in docs/rules.md, `vfio-override-module-name`.
import { commandRuns, readShell, ShellWord } from './shellWords';

/** vfio-pci's driver name: the only word driver_override may hold to bind it. */
export const VFIO_DRIVER_NAME = 'vfio-pci';

/** The module's name, which is no driver's name. */
export const VFIO_MODULE_NAME = 'vfio_pci';

export interface OverrideWrite {
  /** The name written, unquoted; undefined when the script's text does not say (a variable, a command). */
  name?: string;
  /** Where that name is written in the script text (inside its quotes). */
  nameStart?: number;
  nameEnd?: number;
  /** The driver_override path the name goes to. */
  targetStart: number;
  targetEnd: number;
  /** The path names a variable (`devices/$DEV/driver_override`), not one device. */
  variableTarget: boolean;
}

const PLAIN_WORD = /^(["']?)([A-Za-z0-9_.:-]+)\1$/;

/** The word's text without its enclosing quotes, when it holds nothing the shell would expand. */
function literal(word: ShellWord): { text: string; start: number; end: number } | undefined {
  const match = PLAIN_WORD.exec(word.text);
  if (!match) return undefined;
  const quote = match[1]!.length;
  return { text: match[2]!, start: word.start + quote, end: word.end - quote };
}

/** Whether the word is a redirection (the reader keeps `>` and `<` out of words, but `2>/dev/null` is one word). */
function isRedirection(text: string, words: ShellWord[], index: number): boolean {
  const word = words[index]!;
  if (/^\d*[<>]/.test(word.text)) return true;
  const before = index > 0 && words[index - 1]!.command === word.command ? words[index - 1]!.end : undefined;
  return before !== undefined && /[<>]/.test(text.slice(before, word.start));
}

/** What `echo`/`printf` command words print, when it is one plain word. */
function printedName(text: string, words: ShellWord[]): Pick<OverrideWrite, 'name' | 'nameStart' | 'nameEnd'> {
  const command = words[0]?.text;
  const args = words.filter((_, index) => index > 0 && !isRedirection(text, words, index));
  let printed: ShellWord | undefined;
  if (command === 'echo') {
    let first = 0;
    while (first < args.length && /^-[neE]+$/.test(args[first]!.text)) first++;
    printed = args.length - first === 1 ? args[first] : undefined;
  } else if (command === 'printf') {
    const format = args[0] && literalFormat(args[0].text);
    if (format === '%s' && args.length === 2) printed = args[1];
    else if (format !== undefined && !format.includes('%') && args.length === 1) printed = args[0];
  }
  const word = printed && literal(printed);
  if (!word) return {};
  // printf's format may end with \n: the kernel keeps the name up to the newline anyway.
  const name = word.text.replace(/\\n$/, '');
  return { name, nameStart: word.start, nameEnd: word.start + name.length };
}

function literalFormat(word: string): string | undefined {
  const match = /^(["']?)(.*)\1$/.exec(word);
  return match ? match[2]!.replace(/\\n$/, '') : undefined;
}

/**
 * Each write into a `…/driver_override` path in the script: `echo NAME > path`, `printf NAME > path`,
 * `printf '%s' NAME > path`, `echo NAME | tee path`. The name is known only when it is one plain word.
 */
export function overrideWrites(text: string): OverrideWrite[] {
  const commands = commandRuns(readShell(text).words);
  const writes: OverrideWrite[] = [];
  commands.forEach((command, index) => {
    const isTee = command[0]?.text === 'tee';
    command.forEach((word, at) => {
      if (at === 0 || !/driver_override["']?$/.test(word.text)) return;
      const redirected = isRedirection(text, command, at);
      if (!redirected && !isTee) return;
      const target = { targetStart: word.start, targetEnd: word.end, variableTarget: /\$/.test(word.text) };
      if (redirected) {
        writes.push({ ...printedName(text, command), ...target });
        return;
      }
      // `echo NAME | tee path`: the name comes from the command piped in.
      const before = commands[index - 1];
      const piped = before && /^[ \t]*\|[ \t]*$/.test(text.slice(before[before.length - 1]!.end, command[0]!.start));
      writes.push({ ...(piped ? printedName(text, before) : {}), ...target });
    });
  });
  return writes;
}

/**
 * Whether the name the script writes for the address at [start, end) is vfio_pci, the module's
 * name: the write whose path holds the address, else (a loop over a list) every write into a
 * variable path writes vfio_pci. Unknown writes, or none read, say nothing.
 */
export function writesModuleName(writes: readonly OverrideWrite[], start: number, end: number): boolean {
  const own = writes.find((write) => write.targetStart <= start && end <= write.targetEnd);
  if (own) return own.name === VFIO_MODULE_NAME;
  const looped = writes.filter((write) => write.variableTarget);
  return looped.length > 0 && looped.every((write) => write.name === VFIO_MODULE_NAME);
}
