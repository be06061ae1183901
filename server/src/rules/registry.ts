// Every rule, in the order findings are reported. Add a rule here and in docs/rules.md.
import { amdIommuOn } from './amdIommuOn';
import { intelIommuMissing } from './intelIommuMissing';
import { importUnresolved } from './importUnresolved';
import { iommuParamWrongVendor } from './iommuParamWrongVendor';
import { kernelParamUnquotedSpace } from './kernelParamUnquotedSpace';
import { syntaxError } from './syntaxError';
import { Rule } from './types';

export const RULES: readonly Rule[] = [
  syntaxError,
  importUnresolved,
  kernelParamUnquotedSpace,
  intelIommuMissing,
  iommuParamWrongVendor,
  amdIommuOn,
];
