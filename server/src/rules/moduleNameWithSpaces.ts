// A module list item holds one module name. `"kvm_intel nested=1"` is not a name (options belong
// in boot.extraModprobeConfig), and `"nouveau nvidia"` is two: for the initrd the build fails
// looking for a module of that name; elsewhere the entry does nothing.
import { knownText } from '../model/values';
import { MODULE_OPTIONS } from '../vfio/kernelModules';
import { allOf, FixRequest, Rule, ViewFinding } from './types';

export const MODULE_NAME_WITH_SPACES = 'module-name-with-spaces';

const LISTS = [...MODULE_OPTIONS, 'boot.blacklistedKernelModules'] as const;

export const moduleNameWithSpaces: Rule = {
  code: MODULE_NAME_WITH_SPACES,
  severity: 'warning',
  otherSeverities: ['error'],
  needsHardware: false,
  title: 'A module list item with spaces: module options, or several names in one string',
  checkView({ view }) {
    const findings: ViewFinding[] = [];
    for (const option of LISTS) {
      // Each item is judged alone: only the definitions the view owns.
      for (const definition of view.ownDefinitions(option)) {
        if (definition.value.kind !== 'list') continue;
        for (const item of definition.value.items) {
          const text = knownText(item.value);
          const words = text?.trim().split(/\s+/) ?? [];
          if (!text || words.length < 2) continue;
          const withOptions = words.slice(1).every((word) => word.includes('='));
          const literal = item.value.kind === 'string' && item.value.literal;
          let fix: FixRequest | undefined;
          if (literal && withOptions) {
            fix = allOf(`Move the options to boot.extraModprobeConfig`, [
              { fix: 'replace-list-item', title: 'name', args: { option, item: text, replacement: words[0]! } },
              { fix: 'add-modprobe-line', title: 'options', args: { line: `options ${words.join(' ')}` } },
            ]);
          } else if (literal && !withOptions) {
            fix = { fix: 'split-list-item', title: 'One string per module', args: { option, item: text } };
          }
          findings.push({
            owner: definition,
            code: MODULE_NAME_WITH_SPACES,
            severity: option.startsWith('boot.initrd') ? 'error' : 'warning',
            message: withOptions
              ? `"${text}" is a module with options, but ${option} takes module names only: ${consequence(option, text, words)} Write "${words[0]}" here and "options ${words.join(' ')}" in boot.extraModprobeConfig.`
              : `"${text}" holds ${words.length} module names in one string, but ${option} takes one name per item: ${consequence(option, text, words)}`,
            file: definition.file,
            range: item.range,
            fix,
          });
        }
      }
    }
    return findings;
  },
};

/** What NixOS does with a multi-word item of each list. */
function consequence(option: string, text: string, words: string[]): string {
  if (option === 'boot.blacklistedKernelModules') {
    return `NixOS writes the line "blacklist ${text}", and modprobe reads only the first name after "blacklist", so ${words.slice(1).join(' ')} ${words.length > 2 ? 'are' : 'is'} not blacklisted.`;
  }
  if (option === 'boot.kernelModules') return `systemd-modules-load looks for a module named "${text}", logs "Failed to find module" and loads nothing.`;
  return `the initrd build looks for a module named "${text}" and fails ("modprobe: FATAL: Module … not found").`;
}
