// The module lists, the blacklist and boot.kernelParams take lists. Written as one string
// (`boot.blacklistedKernelModules = "nouveau nvidia";`, the way /etc/modprobe.d or a kernel
// command line reads), the definition is not of the option's type and evaluation fails.
import { knownText } from '../model/values';
import { MODULE_OPTIONS } from '../vfio/kernelModules';
import { KERNEL_PARAMS, listWords } from '../vfio/kernelParams';
import { Rule, ViewFinding } from './types';

export const LIST_OPTION_AS_STRING = 'list-option-as-string';

const LIST_OPTIONS = [...MODULE_OPTIONS, 'boot.blacklistedKernelModules', KERNEL_PARAMS];

export const listOptionAsString: Rule = {
  code: LIST_OPTION_AS_STRING,
  severity: 'error',
  needsHardware: false,
  title: 'A module list, the blacklist or boot.kernelParams written as one string',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const option of LIST_OPTIONS) {
      for (const definition of view.definitions(option)) {
        if (definition.value.kind !== 'string') continue;
        const text = knownText(definition.value);
        const what = option === KERNEL_PARAMS ? 'kernel parameter' : 'module name';
        findings.push({
          owner: definition,
          code: LIST_OPTION_AS_STRING,
          severity: 'error',
          message:
            // The same words the string-to-list fix writes: a quoted parameter value stays one word.
            `${option} takes a list with one ${what} per string, not one string: evaluation fails ("A definition for option \`${option}' is not of type …"). ` +
            (text !== undefined && text.trim() !== ''
              ? `Write [ ${listWords(option, text)
                  .map((word) => JSON.stringify(word))
                  .join(' ')} ].`
              : 'Write a list of strings.'),
          file: definition.file,
          range: definition.value.range,
          fix:
            definition.value.literal && text !== undefined
              ? { fix: 'string-to-list', title: 'Make it a list, one string per word', args: { option, text } }
              : undefined,
        });
      }
    }
    return findings;
  },
};
