// The modprobe.d files a configuration writes and the order kmod reads them in (sources in
// docs/rules.md, `vfio-ids-overridden`). kmod reads every `*.conf` of its config directories
// (`.`-files and other names are skipped) in the order of their names, strcmp
// (libkmod-config.c: conf_files_filter_out, conf_files_insert_sorted), and joins the options
// lines for a module in that order. NixOS writes boot.extraModprobeConfig into
// /etc/modprobe.d/nixos.conf (nixos/modules/system/boot/modprobe.nix); a file the user adds with
// environment.etc."modprobe.d/<name>.conf".text sits beside it. Only nixos.conf goes into the
// initrd (stage-1.nix and the systemd initrd's contents link just that file), so when vfio-pci is
// loaded in the initrd the other files never reach it: it stays loaded, and a later modprobe in
// stage 2 does nothing.
import type { ConfigView, Definition } from '../model/optionModel';
import { kernelModules } from './kernelModules';
import { textWithHoles } from '../model/values';
import { modprobedModules, STAGE1_HOOKS } from './scripts';

/** The options NixOS writes into the modprobe.d file nixos.conf (stage 2 and the initrd) or the initrd's config. */
export const MODPROBE_OPTIONS = ['boot.extraModprobeConfig', 'boot.initrd.extraModprobeConfig'];

export const NIXOS_CONF = 'nixos.conf';

export interface ModprobeText {
  definition: Definition;
  /** The file kmod reads it from, when its place among the files is certain (vfio-pci loads in stage 2, names are ASCII). */
  file?: string;
}

/** `environment.etc."modprobe.d/vfio.conf".text` → `vfio.conf`: a name kmod reads (ends in .conf, no leading dot). */
export function etcModprobeFile(definition: Definition): string | undefined {
  const [environment, etc, name, text] = definition.path;
  if (environment !== 'environment' || etc !== 'etc' || text !== 'text' || definition.path.length !== 4) return undefined;
  const file = /^modprobe\.d\/([^/]+)$/.exec(name ?? '')?.[1];
  return file && !file.startsWith('.') && file.endsWith('.conf') && file.length > '.conf'.length ? file : undefined;
}

/** The options that decide where vfio-pci loads (vfioLoadStage). */
const STAGE_OPTIONS = ['boot.initrd.kernelModules', ...STAGE1_HOOKS];

/** Whether a specialisation's own definitions may change where vfio-pci loads. */
export function movesVfioLoad(view: ConfigView): boolean {
  return STAGE_OPTIONS.some((option) => view.ownDefinitions(option).length > 0);
}

export type VfioLoadStage = 'initrd' | 'stage2' | 'unknown';

/**
 * Where vfio-pci is loaded: in the initrd (an unconditional boot.initrd.kernelModules entry, or a
 * stage-1 hook that modprobes it), certainly not there (nothing in the initrd loads it, and
 * nothing unread might), or unknown.
 */
export function vfioLoadStage(view: ConfigView): VfioLoadStage {
  let maybe = !view.fullyKnown('boot.initrd.kernelModules');
  for (const entry of kernelModules(view, ['boot.initrd.kernelModules'])) {
    if (entry.name !== 'vfio_pci') continue;
    const value = entry.definition.value;
    const item = value.kind === 'list' ? value.items.find((candidate) => candidate.range.start === entry.range.start) : undefined;
    if (entry.definition.conditions.length === 0 && (item?.conditions.length ?? 0) === 0) return 'initrd';
    maybe = true;
  }
  for (const option of STAGE1_HOOKS) {
    if (!view.fullyKnown(option)) maybe = true;
    for (const definition of view.definitions(option)) {
      if (!modprobedModules(textWithHoles(definition.value) ?? '').some((load) => load.module === 'vfio_pci')) continue;
      if (definition.conditions.length === 0) return 'initrd';
      maybe = true;
    }
  }
  return maybe ? 'unknown' : 'stage2';
}

/**
 * The texts kmod reads options lines from: boot.extraModprobeConfig and its initrd twin, and the
 * modprobe.d files written with environment.etc. A file other than nixos.conf is left out when
 * vfio-pci certainly loads in the initrd (it never applies to vfio-pci then).
 */
export function modprobeTexts(view: ConfigView, owned = false): ModprobeText[] {
  const stage = vfioLoadStage(view);
  const definitions = (option: string) => (owned ? view.ownDefinitions(option) : view.definitions(option));
  const ordered = (file: string) => (stage === 'stage2' && /^[\x21-\x7e]+$/.test(file) ? file : undefined);
  const texts: ModprobeText[] = [];
  for (const definition of definitions('boot.extraModprobeConfig')) texts.push({ definition, file: ordered(NIXOS_CONF) });
  // Where the initrd's own text goes is not modelled: no order against the files.
  for (const definition of definitions('boot.initrd.extraModprobeConfig')) texts.push({ definition });
  for (const definition of view.definitionsUnder('environment.etc')) {
    const file = etcModprobeFile(definition);
    if (!file || definition.value.kind !== 'string' || (owned && !view.owns(definition))) continue;
    // nixos.conf written by hand merges with NixOS's own text, in the module system's order.
    if (file !== NIXOS_CONF && stage === 'initrd') continue;
    texts.push({ definition, file: ordered(file) });
  }
  return texts;
}
