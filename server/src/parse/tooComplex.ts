// Text the parser refuses as too complex to parse quickly: valid Nix that is not checked, told
// apart from a file that cannot be read (kept free of imports: rules ask about it).

export const TOO_COMPLEX = 'it is too complex to parse quickly';

/**
 * Thrown by `NixParser.parse` for text it would take too long to parse: the caller says the file
 * is too complex to check (an unresolved import, a CLI error, one information diagnostic).
 */
export class ParseTooComplex extends Error {
  readonly reason: string;
  constructor(detail: string) {
    const reason = `${TOO_COMPLEX} (${detail})`;
    super(reason);
    this.reason = reason;
  }
}

/** Whether a file's read problem is `ParseTooComplex`'s (valid Nix we do not check, not a broken file). */
export function isTooComplexProblem(problem: string | undefined): boolean {
  return problem?.startsWith(TOO_COMPLEX) ?? false;
}
