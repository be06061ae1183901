// Shell mistakes in boot scripts and libvirt hooks, found by parsing (never running) their text:
// a block or quote left open, and a test bracket without its space (`[ -s "$f"]`), which the
// parser accepts and `[` refuses at run time with "missing ]".
import { hasHole, readShell } from '../vfio/shellWords';
import { scriptRange, scripts } from '../vfio/scripts';
import { Finding, Rule } from './types';

export const BOOT_SCRIPT_SHELL_ERROR = 'boot-script-shell-error';

export const bootScriptShellError: Rule = {
  code: BOOT_SCRIPT_SHELL_ERROR,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: 'A shell mistake in a boot script or libvirt hook',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const script of scripts(view)) {
        if (!view.owns(script.definition)) continue;
        const reading = readShell(script.text);
        const at = (start: number, end: number) => ({ file: script.definition.file, range: scriptRange(script, start, end) });
        if (reading.problem) {
          findings.push({
            code: BOOT_SCRIPT_SHELL_ERROR,
            severity: 'warning',
            message:
              `${script.name} does not parse as shell: ${reading.problem.message}.` +
              (script.stage1
                ? " Its text is pasted into the initrd's /init, so the rest of init fails with it and the machine does not boot."
                : ' The script stops there.'),
            ...at(reading.problem.start, reading.problem.end),
          });
        }
        // `[ … x]`: the last word of a test command must be `]` on its own.
        const commands = new Map<number, typeof reading.words>();
        for (const word of reading.words) {
          const command = commands.get(word.command);
          if (command) command.push(word);
          else commands.set(word.command, [word]);
        }
        for (const words of commands.values()) {
          const first = words[0]!;
          if (!first.commandStart || first.text !== '[') continue;
          const last = words[words.length - 1]!;
          if (last.text === ']' || hasHole(last) || !/[^\s\]]\]$/.test(last.text)) continue;
          findings.push({
            code: BOOT_SCRIPT_SHELL_ERROR,
            severity: 'warning',
            message: `"${last.text}" needs a space before "]": as written the test fails at run time with "[: missing ]" and its condition is never true.`,
            ...at(last.start, last.end),
          });
        }
      }
    }
    return findings;
  },
};
