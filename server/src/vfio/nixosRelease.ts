// NixOS releases (`YY.MM`): the target a configuration is checked for.

/** The current stable NixOS release: the default target. */
export const CURRENT_NIXOS_RELEASE = '25.11';

/** Where the target release comes from; `default` means nothing said which release the host runs. */
export type ReleaseSource = 'setting' | 'flake.lock' | 'system.stateVersion' | 'default';

/**
 * Whether the host runs `release` or later. When the release is only the default (no setting, no
 * flake.lock, no stateVersion), the answer is `maybe`: a claim that holds only from `release` on is
 * then not certain, whatever the default says.
 */
export function releaseAtLeast(settings: { nixosRelease: string; nixosReleaseSource?: ReleaseSource }, release: string): 'yes' | 'maybe' | 'no' {
  if (settings.nixosReleaseSource === 'default') return 'maybe';
  return compareReleases(settings.nixosRelease, release) >= 0 ? 'yes' : 'no';
}

/** Said after a claim that holds only from `release` on, when the host's release is not known. */
export function releaseGuessNote(release: string): string {
  return ` (Only if this host runs NixOS ${release} or later: its release is not known here. Set nixVfio.nixosRelease, pass --nixos-release, or keep a flake.lock beside flake.nix.)`;
}

/** Compares `YY.MM` releases: negative when a is older than b. */
export function compareReleases(a: string, b: string): number {
  const [aYear = NaN, aMonth = NaN] = a.split('.').map(Number);
  const [bYear = NaN, bMonth = NaN] = b.split('.').map(Number);
  return aYear - bYear || aMonth - bMonth;
}
