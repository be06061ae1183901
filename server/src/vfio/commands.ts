// The known text of the boot scripts a configuration runs.
import type { ConfigView } from '../model/optionModel';
import { textWithHoles } from '../model/values';
import { COMMAND_OPTIONS } from './vfioBindings';

export function modelCommands(view: ConfigView): string[] {
  return COMMAND_OPTIONS.flatMap((option) => view.definitions(option).map((definition) => textWithHoles(definition.value) ?? ''));
}
