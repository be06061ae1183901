// Which kernel a configuration builds and boots. A version pinned in boot.kernelPackages decides
// (it is what the next build uses, whatever runs now); else the hardware snapshot's running
// kernel; else what the package set implies (latest, zen…); else the default kernel of the
// target NixOS release. Messages say which, so an assumption is never hidden.
import { snapshotText } from '../hardware/displayText';
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView, Definition } from '../model/optionModel';
import { compareReleases, CURRENT_NIXOS_RELEASE } from './nixosRelease';

export interface KernelVersion {
  /** `major.minor`, or undefined when nothing tells. */
  version?: [number, number];
  /** Said in messages. */
  source: string;
  /** A patched kernel family known to carry the ACS override patch (zen, liquorix, xanmod…). */
  family?: string;
  /** The text of boot.kernelPackages, when set. */
  packagesText?: string;
}

/**
 * The default kernel (pkgs.linuxPackages) of NixOS releases, newest first. Not in the facts
 * document and not re-checked in each release's source (UNVERIFIED); only thresholds far from
 * these versions (5.15, 6.0, 6.2) depend on it.
 */
const DEFAULT_KERNELS: [string, [number, number]][] = [
  ['25.11', [6, 12]],
  ['25.05', [6, 12]],
  ['24.11', [6, 6]],
  ['24.05', [6, 6]],
  ['23.11', [6, 1]],
  ['23.05', [6, 1]],
  ['22.11', [5, 15]],
];

/** Package sets that follow the newest kernels; 6.12 is a safe lower bound for current nixpkgs. */
const CURRENT = /linux(?:Packages)?_(latest|testing|zen|lqx|xanmod\w*|cachyos\w*)\b/;
const ACS_FAMILIES = /linux(?:Packages)?_(zen|lqx|xanmod\w*|cachyos\w*)\b/;
/** `linuxPackages_6_1`, `linuxKernel.packages.linux_6_6`, `linuxPackagesFor pkgs.linux_6_1`, `linuxPackages_rt_6_6`. */
const PINNED = /linux(?:Packages)?(?:_rt)?_(\d+)_(\d+)\b/;

/** The boot.kernelPackages definition this view uses: its own (a specialisation's) first. */
function packagesDefinition(view: ConfigView): Definition | undefined {
  const definitions = view.effectiveDefinitions('boot.kernelPackages');
  return definitions.find((definition) => definition.specialisation !== undefined) ?? definitions[definitions.length - 1];
}

export function kernelVersion(view: ConfigView, hardware: HardwareSnapshot | undefined, nixosRelease = CURRENT_NIXOS_RELEASE): KernelVersion {
  const packages = packagesDefinition(view);
  const text = packages ? (view.model.files.get(packages.file)?.source ?? '').slice(packages.value.range.start, packages.value.range.end).trim() : undefined;
  const family = text ? ACS_FAMILIES.exec(text)?.[1] : undefined;
  const releaseDefault = DEFAULT_KERNELS.find(([release]) => compareReleases(nixosRelease, release) >= 0)?.[1];
  // A release newer than the table: its default kernel is not older than the newest one listed.
  const releaseKernel =
    releaseDefault && compareReleases(nixosRelease, DEFAULT_KERNELS[0]![0]) > 0 ? `${releaseDefault.join('.')} or newer` : releaseDefault?.join('.');
  const pinned = text ? PINNED.exec(text) : null;
  if (pinned) return { version: [Number(pinned[1]), Number(pinned[2])], source: `boot.kernelPackages is ${text}`, family, packagesText: text };
  const running = hardware?.kernel?.release ? /^(\d+)\.(\d+)/.exec(hardware.kernel.release) : null;
  if (running)
    return {
      version: [Number(running[1]), Number(running[2])],
      source: `the running kernel is ${snapshotText(hardware!.kernel!.release!, 40)}`,
      family,
      packagesText: text,
    };
  if (text && CURRENT.test(text))
    return { version: [6, 12], source: `boot.kernelPackages is ${text} (a current kernel, assumed 6.12 or newer)`, family, packagesText: text };
  if (text && /^(pkgs\.)?linuxPackages$/.test(text)) {
    return releaseDefault
      ? {
          version: releaseDefault,
          source: `boot.kernelPackages is ${text}, the default kernel of NixOS ${nixosRelease} (${releaseKernel})`,
          packagesText: text,
        }
      : { source: `boot.kernelPackages is ${text}, the default kernel of NixOS ${nixosRelease}, which this checker cannot date`, packagesText: text };
  }
  if (text) return { source: `boot.kernelPackages is ${text}, a kernel this checker cannot date`, family, packagesText: text };
  return releaseDefault
    ? {
        version: releaseDefault,
        source: `assuming the default kernel of NixOS ${nixosRelease} (${releaseKernel}), since neither the hardware snapshot nor boot.kernelPackages says`,
      }
    : { source: 'the kernel version is unknown' };
}

export function atLeast(kernel: KernelVersion, major: number, minor: number): boolean | undefined {
  if (!kernel.version) return undefined;
  const [kMajor, kMinor] = kernel.version;
  return kMajor > major || (kMajor === major && kMinor >= minor);
}
