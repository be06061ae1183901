// NixOS releases (`YY.MM`): the target a configuration is checked for.

/** The current stable NixOS release: the default target. */
export const CURRENT_NIXOS_RELEASE = '25.11';

/** Compares `YY.MM` releases: negative when a is older than b. */
export function compareReleases(a: string, b: string): number {
  const [aYear = NaN, aMonth = NaN] = a.split('.').map(Number);
  const [bYear = NaN, bMonth = NaN] = b.split('.').map(Number);
  return aYear - bYear || aMonth - bMonth;
}
