// Shell scripts a configuration writes, with their text mapped to where it is written: the
// stage-1 hooks NixOS pastes into the initrd's /init, the stage-2 boot script, and libvirt hooks.
import type { ConfigView, Definition } from '../model/optionModel';
import { charSources, sourceRangeOf, textWithHoles } from '../model/values';
import type { TextRange } from '../text';
import { writerScriptText } from './scriptText';
import { commandRuns, readShell } from './shellWords';

/** Hooks pasted into stage-1 /init (nixos/modules/system/boot/stage-1-init.sh) [facts F]. */
export const STAGE1_HOOKS = ['boot.initrd.preDeviceCommands', 'boot.initrd.postDeviceCommands', 'boot.initrd.preLVMCommands', 'boot.initrd.postMountCommands'];

/** The boot scripts guides bind devices in by hand (driver_override, modprobe): stage 1 before and after udev starts, and stage 2. */
export const COMMAND_OPTIONS = ['boot.initrd.preDeviceCommands', 'boot.initrd.postDeviceCommands', 'boot.postBootCommands'];

/** The known text of each COMMAND_OPTIONS script (unknown parts are HOLE characters; '' when none is known). */
export function modelCommands(view: ConfigView): string[] {
  return COMMAND_OPTIONS.flatMap((option) => view.definitions(option).map((definition) => textWithHoles(definition.value) ?? ''));
}

export interface Script {
  definition: Definition;
  /** What the script is, for messages: the option, or the file libvirt would run. */
  name: string;
  text: string;
  sources: readonly number[];
  stage1: boolean;
}

export function scriptRange(script: Script, start: number, end: number): TextRange {
  return sourceRangeOf(script, start, end) ?? script.definition.value.range;
}

/** Scripts whose text the model holds (unknown parts are HOLE characters). */
export function scripts(view: ConfigView): Script[] {
  const found: Script[] = [];
  const add = (definition: Definition, name: string, stage1: boolean) => {
    const mapped = charSources(definition.value);
    if (mapped) found.push({ definition, name, stage1, ...mapped });
  };
  // A script written with a nixpkgs writer: the shell text inside the call.
  const addWriter = (definition: Definition, name: string) => {
    const source = view.model.files.get(definition.file)?.source;
    const written = definition.value.kind === 'unknown' && source ? writerScriptText(source, definition.value.range) : undefined;
    const mapped = written && charSources(written.value);
    if (mapped) found.push({ definition, name: `${name} (${written.writer})`, stage1: false, ...mapped });
  };
  for (const option of STAGE1_HOOKS) for (const definition of view.definitions(option)) add(definition, option, true);
  for (const definition of view.definitions('boot.postBootCommands')) add(definition, 'boot.postBootCommands', false);
  for (const definition of view.definitionsUnder('environment.etc')) {
    const name = definition.path[2];
    if (definition.path.length === 4 && definition.path[3] === 'text' && name?.startsWith('libvirt/hooks')) add(definition, `/etc/${name}`, false);
    if (definition.path.length === 4 && definition.path[3] === 'source' && name?.startsWith('libvirt/hooks')) addWriter(definition, `/etc/${name}`);
  }
  // `virtualisation.libvirtd.hooks.qemu."name" = pkgs.writeShellScript "name" ''…'';` (NixOS links it into /var/lib/libvirt/hooks/qemu.d/).
  for (const definition of view.definitionsUnder('virtualisation.libvirtd.hooks')) {
    const [kind, name] = definition.path.slice(3);
    if (definition.path.length === 5 && kind && name) addWriter(definition, `/var/lib/libvirt/hooks/${kind}.d/${name}`);
  }
  return found;
}

/** modprobe options that insert nothing (kmod tools/modprobe.c: remove, dry run, queries). */
const NO_INSERT_LONG = new Set([
  '--remove',
  '--remove-holders',
  '--remove-dependencies',
  '--resolve-alias',
  '--show-alias',
  '--show-depends',
  '--showconfig',
  '--show-config',
  '--show-modversions',
  '--dump-modversions',
  '--show-exports',
  '--dry-run',
  '--show',
  '--version',
  '--help',
]);
const NO_INSERT_SHORT = new Set(['r', 'R', 'D', 'c', 'n', 'V', 'h']);
/** Options that take an argument (`-C file`, `-d dir`, `-S version`, `-w msec`). */
const SHORT_WITH_ARGUMENT = new Set(['C', 'd', 'S', 'w']);
const LONG_WITH_ARGUMENT = new Set(['--config', '--dirname', '--set-version', '--wait']);

/**
 * The modules each `modprobe` command in a script inserts, as kmod names them (`-` read as `_`):
 * the first name, or with `-a` every name (the words after the first name are its parameters);
 * none when an option makes it remove or only print (kmod tools/modprobe.c). A word the model
 * cannot read (a hole, `$VAR`) is no name.
 */
export function modprobedModules(text: string): { module: string; start: number }[] {
  const found: { module: string; start: number }[] = [];
  for (const [first, ...args] of commandRuns(readShell(text).words)) {
    if (!first?.commandStart || !/(^|\/)modprobe$/.test(first.text.replace(/^["']|["']$/g, ''))) continue;
    let all = false;
    let inserts = true;
    const names: { module: string; start: number }[] = [];
    for (let j = 0; j < args.length; j++) {
      const word = args[j]!.text.replace(/^(["'])(.*)\1$/, '$2');
      if (word.startsWith('--')) {
        if (NO_INSERT_LONG.has(word.split('=')[0]!)) inserts = false;
        if (word === '--all') all = true;
        if (LONG_WITH_ARGUMENT.has(word)) j++;
      } else if (word.startsWith('-') && word.length > 1) {
        // Flags may be grouped (`-qa`); -C, -d and -S take the rest of the word, or the next one.
        for (let k = 1; k < word.length; k++) {
          const flag = word[k]!;
          if (SHORT_WITH_ARGUMENT.has(flag)) {
            if (k === word.length - 1) j++;
            break;
          }
          if (NO_INSERT_SHORT.has(flag)) inserts = false;
          if (flag === 'a') all = true;
        }
      } else if (all || names.length === 0) {
        if (/^[\w-]+$/.test(word)) names.push({ module: word.replace(/-/g, '_'), start: args[j]!.start });
        else if (names.length === 0) break;
      }
    }
    if (inserts) found.push(...names);
  }
  return found;
}
