// Every rule, in the order findings are reported. Add a rule here and in docs/rules.md.
import { amdIommuOn } from './amdIommuOn';
import { intelIommuMissing } from './intelIommuMissing';
import { importUnresolved } from './importUnresolved';
import { iommuParamWrongVendor } from './iommuParamWrongVendor';
import { kernelParamUnquotedSpace } from './kernelParamUnquotedSpace';
import { syntaxError } from './syntaxError';
import { Rule } from './types';
import { vfioBootGpuBound } from './vfioBootGpuBound';
import { vfioBridgeBound } from './vfioBridgeBound';
import { vfioDeviceNotPresent } from './vfioDeviceNotPresent';
import { vfioGroupIncomplete } from './vfioGroupIncomplete';
import { vfioGroupShared } from './vfioGroupShared';
import { vfioIdCollision } from './vfioIdCollision';
import { vfioIdMalformed } from './vfioIdMalformed';
import { vfioOverrideTooLate } from './vfioOverrideTooLate';

export const RULES: readonly Rule[] = [
  syntaxError,
  importUnresolved,
  kernelParamUnquotedSpace,
  intelIommuMissing,
  iommuParamWrongVendor,
  amdIommuOn,
  vfioIdMalformed,
  vfioDeviceNotPresent,
  vfioGroupIncomplete,
  vfioGroupShared,
  vfioBridgeBound,
  vfioIdCollision,
  vfioBootGpuBound,
  vfioOverrideTooLate,
];
