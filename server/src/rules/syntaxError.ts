// Parts of a file tree-sitter could not read: reported once, since checks there are blind.
import { isTooComplexProblem } from '../parse/tooComplex';
import { Finding, Rule } from './types';

export const SYNTAX_ERROR = 'syntax-error';

export const syntaxError: Rule = {
  code: SYNTAX_ERROR,
  severity: 'error',
  needsHardware: false,
  // Text only older Nix refuses (an attribute merge Nix 2.26 accepts) is a warning.
  otherSeverities: ['warning'],
  acrossViews: true,
  title: 'Nix syntax error (checks in that part of the file are incomplete)',
  check({ model }) {
    const findings: Finding[] = [];
    for (const file of model.files.values()) {
      // Valid Nix too complex to parse is not an error (the analysis says so as file-too-complex).
      if (file.readProblem && !isTooComplexProblem(file.readProblem)) {
        findings.push({
          code: SYNTAX_ERROR,
          severity: 'error',
          message: `Cannot read the file: ${file.readProblem}.`,
          file: file.path,
          range: { start: 0, end: 0 },
        });
      }
      for (const error of file.syntaxErrors) {
        findings.push({
          code: SYNTAX_ERROR,
          severity: error.onlyBefore ? 'warning' : 'error',
          message: error.onlyBefore
            ? `Nix before ${error.onlyBefore} refuses this: ${error.message} (it merges a set into an earlier definition only one level deep; Nix ${error.onlyBefore} and later, and Lix, accept it). Write the whole path (a.b.c = …;) or put both in one set.`
            : `Nix syntax: ${error.message}. Nix VFIO cannot check what it cannot read here.`,
          file: file.path,
          range: { start: error.start, end: error.end },
        });
      }
    }
    return findings;
  },
};
