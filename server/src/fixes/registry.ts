// Every fix, by the id rules name in their findings.
import { OptionModel } from '../model/optionModel';
import { FixRequest } from '../rules/types';
import { addBindingFix } from './addBinding';
import { addListItemFix } from './addListItem';
import { addListItemsFix } from './addListItems';
import { allOfFix } from './allOf';
import { addModprobeLineFix } from './addModprobeLine';
import { addOverrideScriptFix } from './addOverrideScript';
import { addVfioIdsFix } from './addVfioIds';
import { bindByAddressFix } from './bindByAddress';
import { removeBindingFix } from './removeBinding';
import { removeListItemFix } from './removeListItem';
import { renameOptionFix } from './renameOption';
import { replaceModprobeWordFix } from './replaceModprobeWord';
import { removeVfioTokenFix } from './removeVfioToken';
import { replaceListItemFix } from './replaceListItem';
import { replaceVfioTokenFix } from './replaceVfioToken';
import { splitListItemFix } from './splitListItem';
import { stringToListFix } from './stringToList';
import { suppressOnBindingLineFix } from './suppressOnBindingLine';
import { FileEdit, Fix } from './types';

export const FIXES: readonly Fix[] = [
  addListItemFix,
  removeListItemFix,
  replaceListItemFix,
  splitListItemFix,
  stringToListFix,
  replaceVfioTokenFix,
  removeVfioTokenFix,
  addVfioIdsFix,
  addModprobeLineFix,
  addOverrideScriptFix,
  bindByAddressFix,
  suppressOnBindingLineFix,
  addListItemsFix,
  removeBindingFix,
  renameOptionFix,
  addBindingFix,
  replaceModprobeWordFix,
  allOfFix((model, request) => fixEdits(model, request)),
];

/** The edits a fix request makes on this model; none when the fix is unknown or already done. */
export function fixEdits(model: OptionModel, request: FixRequest): FileEdit[] {
  const fix = FIXES.find((candidate) => candidate.id === request.fix);
  return fix ? fix.edits(model, request.args) : [];
}
