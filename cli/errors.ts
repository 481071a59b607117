/** Exit codes scripts can branch on (README, `jit --help`). */
export const EXIT = {
  ok: 0,
  other: 1,
  usage: 2,
  unauthenticated: 3,
  refused: 4,
  notFound: 5,
  /** The request ended without access: denied, expired, cancelled or found ineligible. */
  notGranted: 6,
  timeout: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports in one line and exits with. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code: string = 'error',
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Codes the server answers for input the person can correct: bad input, not a refusal. */
const BAD_INPUT_CODES = new Set(['invalid_input', 'duration_exceeds_policy', 'justification_required', 'ticket_required']);
/** The field a rule-failure code is about, where the server names none. */
const FIELD_OF_CODE: Record<string, string> = {
  duration_exceeds_policy: 'durationMinutes',
  justification_required: 'justification',
  ticket_required: 'ticket',
};

export type ServerError = { code: string; message: string; field?: string };

/** The exit code for a server's error answer. */
export function exitForServerError(status: number, code: string): ExitCode {
  if (status === 401 || code === 'unauthenticated') return EXIT.unauthenticated;
  if (BAD_INPUT_CODES.has(code)) return EXIT.usage;
  if (status === 404 || code === 'not_found') return EXIT.notFound;
  if (status === 403 || status === 409 || status === 422) return EXIT.refused;
  if (status === 400) return EXIT.usage;
  return EXIT.other;
}

/**
 * One line naming the field in the words of the command line: `--for (durationMinutes): ...`.
 * `flags` maps the server's field names to the options that set them.
 */
export function fromServerError(status: number, error: ServerError, flags: Record<string, string> = {}): CliError {
  const raw = error.field ?? FIELD_OF_CODE[error.code];
  const field = raw?.replace(/^(payload|body|querystring|params)\./, '');
  let message = error.message;
  // The server's messages often start with the field already ("payload.minutes: ..."): say it once.
  if (error.field && message.startsWith(`${error.field}: `)) message = message.slice(error.field.length + 2);
  else if (field && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
  const flag = field ? flags[field] : undefined;
  const named = field ? `${flag ? `${flag} (${field})` : field}: ` : '';
  // The policy wants a fresher second factor: say how to give one from here.
  const next = error.code === 'mfa_required' ? ' (run jit step-up, then send it again)' : '';
  return new CliError(exitForServerError(status, error.code), `${named}${message}${next}`, error.code, flag ?? field);
}
