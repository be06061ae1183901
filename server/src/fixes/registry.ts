// Every fix, by the id rules name in their findings.
import { OptionModel } from '../model/optionModel';
import { lineBreakOf } from '../text';
import { addBindingFix } from './addBinding';
import { addListItemFix } from './addListItem';
import { addListItemsFix } from './addListItems';
import { allOfFix } from './allOf';
import { addModprobeLineFix } from './addModprobeLine';
import { addOverrideScriptFix } from './addOverrideScript';
import { addVfioIdsFix } from './addVfioIds';
import { bindByAddressFix } from './bindByAddress';
import { overrideScriptToUdevFix } from './overrideScriptToUdev';
import { removeBindingFix } from './removeBinding';
import { removeListItemFix } from './removeListItem';
import { removeKernelConfigAnswerFix } from './removeKernelConfigAnswer';
import { renameOptionFix } from './renameOption';
import { replaceModprobeWordFix } from './replaceModprobeWord';
import { removeVfioTokenFix } from './removeVfioToken';
import { replaceListItemFix } from './replaceListItem';
import { replaceVfioTokenFix } from './replaceVfioToken';
import { resolveOverriddenIdsFix } from './resolveOverriddenIds';
import { splitListItemFix } from './splitListItem';
import { stringToListFix } from './stringToList';
import { suppressOnBindingLineFix } from './suppressOnBindingLine';
import { writeVfioDriverNameFix } from './writeVfioDriverName';
import { FileEdit, Fix, FixId, FixRequest } from './types';

/** One fix per id; `satisfies` makes a missing, extra or misspelt id a type error. */
export const FIXES = {
  'add-list-item': addListItemFix,
  'remove-list-item': removeListItemFix,
  'replace-list-item': replaceListItemFix,
  'split-list-item': splitListItemFix,
  'string-to-list': stringToListFix,
  'replace-vfio-token': replaceVfioTokenFix,
  'remove-vfio-token': removeVfioTokenFix,
  'add-vfio-ids': addVfioIdsFix,
  'add-modprobe-line': addModprobeLineFix,
  'add-override-script': addOverrideScriptFix,
  'bind-by-address': bindByAddressFix,
  'override-script-to-udev': overrideScriptToUdevFix,
  'suppress-on-binding-line': suppressOnBindingLineFix,
  'add-list-items': addListItemsFix,
  'remove-binding': removeBindingFix,
  'remove-kernel-config-answer': removeKernelConfigAnswerFix,
  'rename-option': renameOptionFix,
  'add-binding': addBindingFix,
  'replace-modprobe-word': replaceModprobeWordFix,
  'resolve-overridden-ids': resolveOverriddenIdsFix,
  'write-vfio-driver-name': writeVfioDriverNameFix,
  'all-of': allOfFix((model, request) => fixEdits(model, request)),
} satisfies { [Id in FixId]: Fix<Id> };

export const FIX_IDS = Object.keys(FIXES) as FixId[];

export function isFixId(id: unknown): id is FixId {
  return typeof id === 'string' && Object.hasOwn(FIXES, id);
}

/** The edits a fix request makes on this model; none when the fix is unknown (a request from a client is not trusted) or already done. */
export function fixEdits(model: OptionModel, request: FixRequest): FileEdit[] {
  if (!isFixId(request.fix) || typeof request.args !== 'object' || request.args === null) return [];
  // The union does not correlate id and arguments through the index, so this one call is widened.
  const fix = FIXES[request.fix] as Fix<FixId>;
  return fix.edits(model, request.args as never).map((edit) => inFileLineBreaks(model, edit));
}

/** Fixes write `\n`; a file written with `\r\n` (or lone `\r`) gets its own line break instead. */
function inFileLineBreaks(model: OptionModel, edit: FileEdit): FileEdit {
  if (!/[\r\n]/.test(edit.newText)) return edit;
  const source = model.files.get(edit.file)?.source;
  const lineBreak = source ? lineBreakOf(source) : '\n';
  const newText = edit.newText.replace(/\r\n|\r|\n/g, lineBreak);
  return newText === edit.newText ? edit : { ...edit, newText };
}
