// Which kernel a configuration runs: the hardware snapshot's running kernel when there is one,
// else what boot.kernelPackages names, else an assumption that messages state.
import type { HardwareSnapshot } from '../../hardware/snapshot';
import type { ConfigView } from '../../model/optionModel';
import { compareReleases, CURRENT_NIXOS_RELEASE } from '../types';

export interface KernelVersion {
  /** `major.minor`, or undefined when nothing tells. */
  version?: [number, number];
  /** Said in messages. */
  source: string;
  /** A patched kernel family known to carry the ACS override patch (zen, liquorix, xanmod…). */
  family?: string;
}

/** The default kernel (pkgs.linuxPackages) of recent NixOS releases: 24.11 and later ship 6.6 or newer. */
const DEFAULT_KERNELS: [string, [number, number]][] = [
  ['25.11', [6, 12]],
  ['25.05', [6, 12]],
  ['24.11', [6, 6]],
  ['24.05', [6, 6]],
  ['23.11', [6, 1]],
  ['23.05', [6, 1]],
  ['22.11', [5, 15]],
];

export function kernelVersion(view: ConfigView, hardware: HardwareSnapshot | undefined, nixosRelease = CURRENT_NIXOS_RELEASE): KernelVersion {
  const packages = view.definitions('boot.kernelPackages')[0];
  const text = packages ? (view.model.files.get(packages.file)?.text ?? '').slice(packages.value.range.start, packages.value.range.end) : undefined;
  const family = text ? /linuxPackages_(zen|lqx|xanmod\w*|cachyos\w*)/.exec(text)?.[1] : undefined;
  const release = hardware?.kernel?.release ? /^(\d+)\.(\d+)/.exec(hardware.kernel.release) : null;
  if (release) return { version: [Number(release[1]), Number(release[2])], source: `the running kernel is ${hardware!.kernel!.release}`, family };
  if (text) {
    const pinned = /linuxPackages_(\d+)_(\d+)/.exec(text);
    if (pinned) return { version: [Number(pinned[1]), Number(pinned[2])], source: `boot.kernelPackages is ${text.trim()}`, family };
    if (/linuxPackages_(latest|zen|lqx|xanmod|testing|cachyos)/.test(text)) return { version: [6, 12], source: `boot.kernelPackages is ${text.trim()} (a current kernel, assumed 6.12 or newer)`, family };
    return { source: `boot.kernelPackages is ${text.trim()}, a kernel this checker cannot date`, family };
  }
  const fallback = DEFAULT_KERNELS.find(([release]) => compareReleases(nixosRelease, release) >= 0)?.[1];
  return fallback
    ? { version: fallback, source: `assuming the default kernel of NixOS ${nixosRelease} (${fallback.join('.')}), since neither the hardware nor boot.kernelPackages says` }
    : { source: 'the kernel version is unknown' };
}

export function atLeast(kernel: KernelVersion, major: number, minor: number): boolean | undefined {
  if (!kernel.version) return undefined;
  const [kMajor, kMinor] = kernel.version;
  return kMajor > major || (kMajor === major && kMinor >= minor);
}
