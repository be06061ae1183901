// A boot option written without `boot.` at the top of a module (`postBootCommands = ''…'';`,
// `kernelParams = [ … ];`, `initrd.kernelModules = …;`): NixOS has no such top-level option, so
// evaluation fails with "The option `postBootCommands' does not exist". Inside `boot = { … }` it
// is right, and a `let` binding or a file that is not a module defines no option at all: the model
// only records definitions of module config sets, so only those are looked at.
import type { Definition, OptionModel } from '../model/optionModel';
import { Finding, FixRequest, Rule } from './types';

export const BOOT_OPTION_WITHOUT_PREFIX = 'boot-option-without-prefix';

/** Options under `boot.` that are no top-level NixOS option (nixos/modules: none of these names is declared at the top). */
const BOOT_CHILDREN = new Set([
  'postBootCommands',
  'kernelParams',
  'kernelModules',
  'initrd',
  'extraModprobeConfig',
  'blacklistedKernelModules',
  'kernelPackages',
  'kernelPatches',
  'extraModulePackages',
  'loader',
  'consoleLogLevel',
  'supportedFilesystems',
]);

/** A module of the configuration that declares the name as its own top-level option (then it is one). */
function declaredByUser(model: OptionModel, name: string): boolean {
  const declaration = new RegExp(`\\boptions\\s*(\\.\\s*${name}\\b|=\\s*\\{[^}]*\\b${name}\\s*=)`);
  return [...model.files.values()].some((file) => declaration.test(file.text));
}

/**
 * `boot.` can be put in front when the binding spells the whole path in its attribute path and
 * nothing in the file would then define that attribute twice (`boot.<name>` there already, or
 * `boot` bound to an expression such as `import ./boot.nix` or `lib.mkIf …`).
 */
function prefixFix(model: OptionModel, definition: Definition): FixRequest | undefined {
  const text = model.files.get(definition.file)?.text ?? '';
  const written = text.slice(definition.bindingRange.start, definition.bindingRange.end);
  const dotted = definition.path.join('.');
  if (!new RegExp(`^${dotted.replace(/\./g, '\\s*\\.\\s*')}\\s*=`).test(written)) return undefined;
  const name = definition.path[0] ?? '';
  const clash = model.definitions.some(
    (other) => other.file === definition.file && other.specialisation === definition.specialisation && other.path[0] === 'boot' && other.path[1] === name,
  );
  if (clash || /(^|[\s;{])boot\s*=\s*(?!\{)/.test(text)) return undefined;
  return { fix: 'rename-option', title: `Write boot.${dotted}`, args: { from: dotted, to: `boot.${dotted}` } };
}

export const bootOptionWithoutPrefix: Rule = {
  code: BOOT_OPTION_WITHOUT_PREFIX,
  severity: 'error',
  needsHardware: false,
  acrossViews: true,
  title: 'A boot option written without boot. at the top of a module',
  check({ model }) {
    const findings: Finding[] = [];
    for (const definition of model.definitions) {
      const name = definition.path[0];
      if (name === undefined || !BOOT_CHILDREN.has(name) || declaredByUser(model, name)) continue;
      const dotted = definition.path.join('.');
      findings.push({
        code: BOOT_OPTION_WITHOUT_PREFIX,
        severity: 'error',
        message:
          `${dotted} is not a NixOS option: at the top of a module it is unknown, and evaluation fails ("The option \`${dotted}' does not exist"). ` +
          `It belongs under boot: boot.${dotted}.`,
        file: definition.file,
        range: definition.bindingRange,
        fix: prefixFix(model, definition),
      });
    }
    return findings;
  },
};
