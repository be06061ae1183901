// A fix turns a finding's semantic request (add this item, remove that one) into minimal text
// edits against the current model. A fix whose work is already done returns no edits, so
// applying a fix twice changes nothing more.
import type { OptionModel } from '../model/optionModel';
import type { TextRange } from '../text';

export interface FileEdit {
  file: string;
  range: TextRange;
  newText: string;
}

export interface Fix {
  id: string;
  edits(model: OptionModel, args: Record<string, string | undefined>): FileEdit[];
}
