// One host (or one file of no known host) through the analysis, with its release and hardware,
// and its findings named after the host when the repository has several.
import { Analysis, runRules } from '../analysis/analyze';
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { OptionModel } from '../model/optionModel';
import type { Finding } from '../rules/types';
import { hostsIn, FileAccess } from './hosts';
import type { HostRelease } from './release';
import type { HostTarget } from './workspace';

export interface HostAnalysis extends Analysis {
  target: HostTarget;
  /** The host's name; undefined for a file of no known host. */
  host?: string;
  release: HostRelease;
}

/** The label findings carry: the host's name when its repository has more than one host. */
export function hostLabel(target: HostTarget, access: FileAccess): string | undefined {
  if (!('host' in target)) return undefined;
  return hostsIn(target.host.repository, access).length > 1 ? target.host.name : undefined;
}

export function analyzeHost(
  target: HostTarget,
  model: OptionModel,
  hardware: HardwareSnapshot | undefined,
  release: HostRelease,
  disabledRules: readonly string[],
  label: string | undefined,
): HostAnalysis {
  return hostAnalysisOf(
    target,
    runRules(model, hardware, { disabledRules, nixosRelease: release.release, nixosReleaseSource: release.source }),
    release,
    label,
  );
}

/** An analysis of a host's model (run at once or in slices) as the host's: its findings named. */
export function hostAnalysisOf(target: HostTarget, analysis: Analysis, release: HostRelease, label: string | undefined): HostAnalysis {
  return {
    ...analysis,
    findings: label === undefined ? analysis.findings : analysis.findings.map((finding) => namedFinding(finding, label)),
    target,
    host: 'host' in target ? target.host.name : undefined,
    release,
  };
}

/** "desk: …": which host a finding is about, where a shared file is analysed once per host. */
export function namedFinding(finding: Finding, host: string): Finding {
  return { ...finding, message: `${host}: ${finding.message}` };
}
