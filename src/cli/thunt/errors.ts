// What thunt tells an organiser when a command fails: one line on stderr, exit status 1.

/** A failure worth one readable line; anything else is a bug and keeps its stack. */
export class CliError extends Error {}

/** The API refused: its own message, with the status and error code to look up in the README. */
export class ApiFailure extends CliError {
  readonly status: number;
  readonly code: string | null;
  constructor(status: number, code: string | null, line: string) {
    super(line);
    this.status = status;
    this.code = code;
  }
}

/** Newlines would break the one-line promise (a server message should have none, but a proxy's might). */
export const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
