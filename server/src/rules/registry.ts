// Every rule, in the order findings are reported. Add a rule here and in docs/rules.md.
import { amdIommuOn } from './amdIommuOn';
import { intelIommuMissing } from './intelIommuMissing';
import { importUnresolved } from './importUnresolved';
import { iommuParamWrongVendor } from './iommuParamWrongVendor';
import { kernelParamUnquotedSpace } from './kernelParamUnquotedSpace';
import { syntaxError } from './syntaxError';
import { initrdScriptsWithSystemdInitrd } from './initrdScriptsWithSystemdInitrd';
import { vfioVirqfdRemoved } from './vfioVirqfdRemoved';
import { vfioVirqfdKernelConfig } from './vfioVirqfdKernelConfig';
import { vfioModulesMissing } from './vfioModulesMissing';
import { vfioModulesTooLate } from './vfioModulesTooLate';
import { vfioSoftdepMissing } from './vfioSoftdepMissing';
import { moduleBlacklistedAndLoaded } from './moduleBlacklistedAndLoaded';
import { gpuDriverBlacklistedButUsed } from './gpuDriverBlacklistedButUsed';
import { kvmModuleWrongVendor } from './kvmModuleWrongVendor';
import { moduleNameWithSpaces } from './moduleNameWithSpaces';
import { listOptionAsString } from './listOptionAsString';
import { modprobeVfioOption } from './modprobeVfioOption';
import { kernelParamTypo } from './kernelParamTypo';
import { kernelParamConflict } from './kernelParamConflict';
import { unsafeInterruptsPrefix } from './unsafeInterruptsPrefix';
import { moduleParamPrefix } from './moduleParamPrefix';
import { acsOverrideUnpatched } from './acsOverrideUnpatched';
import { acsOverrideIsolation } from './acsOverrideIsolation';
import { acsPatchKernelMismatch } from './acsPatchKernelMismatch';
import { efifbOffObsolete } from './efifbOffObsolete';
import { iommuPassthroughInfo } from './iommuPassthroughInfo';
import { libvirtOptionRemoved } from './libvirtOptionRemoved';
import { libvirtOptionRenamed } from './libvirtOptionRenamed';
import { libvirtOvmfRemoved } from './libvirtOvmfRemoved';
import { libvirtdNotEnabled } from './libvirtdNotEnabled';
import { vfioDriverRace } from './vfioDriverRace';
import { initrdScriptExit } from './initrdScriptExit';
import { bootScriptShellError } from './bootScriptShellError';
import { libvirtHooksInEtc } from './libvirtHooksInEtc';
import { libvirtHookPhase } from './libvirtHookPhase';
import { unsafeInterruptsEnabled } from './unsafeInterruptsEnabled';
import { deviceNodeWorldWritable } from './deviceNodeWorldWritable';
import { memlockUnlimitedEveryone } from './memlockUnlimitedEveryone';
import { ovmfInSystemPackages } from './ovmfInSystemPackages';
import { libvirtdConfigQemuSetting } from './libvirtdConfigQemuSetting';
import { kernelParamCost } from './kernelParamCost';
import { hugepagesMemory } from './hugepagesMemory';
import { hostGpuDriverBlacklisted } from './hostGpuDriverBlacklisted';
import { nvidiaPrimeOnVfioCard } from './nvidiaPrimeOnVfioCard';
import { igpuVfioWithGvt } from './igpuVfioWithGvt';
import { vfioBoundTwoWays } from './vfioBoundTwoWays';
import { nixEvaluationError } from './nixEvaluationError';
import { mkForceDropsVfio } from './mkForceDropsVfio';
import { Rule } from './types';
import { vfioBootGpuBound } from './vfioBootGpuBound';
import { vfioBridgeBound } from './vfioBridgeBound';
import { vfioDeviceNotPresent } from './vfioDeviceNotPresent';
import { vfioGroupIncomplete } from './vfioGroupIncomplete';
import { vfioGroupShared } from './vfioGroupShared';
import { vfioHostDeviceBound } from './vfioHostDeviceBound';
import { gpuDriverBeforeOverride } from './gpuDriverBeforeOverride';
import { vfioIdCollision } from './vfioIdCollision';
import { vfioIdMalformed } from './vfioIdMalformed';
import { vfioIdsOverridden } from './vfioIdsOverridden';
import { vfioOverrideTooLate } from './vfioOverrideTooLate';
import { vfioPciBeforeOverride } from './vfioPciBeforeOverride';
import { vfioShortAddress } from './vfioShortAddress';
import { vfioOverrideModuleName } from './vfioOverrideModuleName';
import { bootOptionWithoutPrefix } from './bootOptionWithoutPrefix';

export const RULES: readonly Rule[] = [
  syntaxError,
  importUnresolved,
  kernelParamUnquotedSpace,
  listOptionAsString,
  intelIommuMissing,
  iommuParamWrongVendor,
  amdIommuOn,
  vfioIdMalformed,
  vfioIdsOverridden,
  vfioDeviceNotPresent,
  vfioGroupIncomplete,
  vfioGroupShared,
  vfioHostDeviceBound,
  gpuDriverBeforeOverride,
  vfioPciBeforeOverride,
  vfioBridgeBound,
  vfioIdCollision,
  vfioBootGpuBound,
  vfioOverrideTooLate,
  vfioShortAddress,
  vfioOverrideModuleName,
  bootOptionWithoutPrefix,
  initrdScriptsWithSystemdInitrd,
  vfioVirqfdRemoved,
  vfioVirqfdKernelConfig,
  vfioModulesMissing,
  vfioModulesTooLate,
  vfioSoftdepMissing,
  moduleBlacklistedAndLoaded,
  gpuDriverBlacklistedButUsed,
  kvmModuleWrongVendor,
  moduleNameWithSpaces,
  modprobeVfioOption,
  kernelParamTypo,
  kernelParamConflict,
  unsafeInterruptsPrefix,
  moduleParamPrefix,
  acsOverrideUnpatched,
  acsOverrideIsolation,
  acsPatchKernelMismatch,
  efifbOffObsolete,
  iommuPassthroughInfo,
  libvirtOptionRenamed,
  libvirtOptionRemoved,
  libvirtOvmfRemoved,
  libvirtdNotEnabled,
  vfioDriverRace,
  initrdScriptExit,
  bootScriptShellError,
  libvirtHooksInEtc,
  libvirtHookPhase,
  unsafeInterruptsEnabled,
  deviceNodeWorldWritable,
  memlockUnlimitedEveryone,
  ovmfInSystemPackages,
  libvirtdConfigQemuSetting,
  kernelParamCost,
  hugepagesMemory,
  hostGpuDriverBlacklisted,
  nvidiaPrimeOnVfioCard,
  igpuVfioWithGvt,
  vfioBoundTwoWays,
  nixEvaluationError,
  mkForceDropsVfio,
];
