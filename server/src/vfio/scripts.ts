// Shell scripts a configuration writes, with their text mapped to where it is written: the
// stage-1 hooks NixOS pastes into the initrd's /init, the stage-2 boot script, and libvirt hooks.
import type { ConfigView, Definition } from '../model/optionModel';
import { charSources, sourceRangeOf, textWithHoles } from '../model/values';
import type { TextRange } from '../text';
import { writerScriptText } from './scriptText';

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
  sources: number[];
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
