// `exit` in a stage-1 hook: NixOS pastes the hook's text into the initrd's /init, so `exit` ends
// init itself and the kernel panics ("Attempted to kill init").
import { readShell } from '../vfio/shellWords';
import { scriptRange, scripts } from '../vfio/scripts';
import { Finding, Rule } from './types';

export const INITRD_SCRIPT_EXIT = 'initrd-script-exit';

export const initrdScriptExit: Rule = {
  code: INITRD_SCRIPT_EXIT,
  severity: 'error',
  otherSeverities: ['warning'],
  needsHardware: false,
  acrossViews: true,
  title: 'exit in a stage-1 boot hook ends /init',
  check({ views }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const script of scripts(view)) {
        if (!script.stage1 || !view.owns(script.definition)) continue;
        for (const word of readShell(script.text).words) {
          if (!word.commandStart || word.text !== 'exit' || word.subshell) continue;
          findings.push({
            code: INITRD_SCRIPT_EXIT,
            severity: word.conditional ? 'warning' : 'error',
            message:
              `NixOS pastes ${script.name} into the initrd's /init, so "exit" here ends init itself and the kernel panics ("Attempted to kill init")` +
              (word.conditional ? ' whenever this line is reached' : '') +
              '. To stop only this part, wrap it in a subshell "( … )" or use an if around it instead of exit.',
            file: script.definition.file,
            range: scriptRange(script, word.start, word.end),
          });
        }
      }
    }
    return findings;
  },
};
