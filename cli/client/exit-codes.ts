/**
 * The client commands' exit codes, one table for the code, `pyfaas help` and the README.
 * An API error maps by its HTTP status; a function error (the platform ran the code and the
 * code failed) is 1, apart from the platform's own failures.
 */
export const EXIT = {
  ok: 0,
  /** The function raised, timed out or was cancelled; a deployment or install failed. */
  failed: 1,
  /** The command line is wrong: unknown command or option, missing argument, bad JSON. */
  usage: 2,
  /** 404: no such function, version, invocation, trigger, alias, module or token. */
  notFound: 3,
  /** 401/403, no saved login, or an unsafe config file. */
  auth: 4,
  /** 400/409/413/422 and other 4xx: the API refused the input or the state conflicts. */
  refused: 5,
  /** 5xx, 429, a connection refused or dropped: try again later. */
  unavailable: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  the function failed (error, timeout, cancelled), or a deployment/install failed
  2  usage: unknown command or option, missing argument, bad --data JSON
  3  not found (HTTP 404)
  4  not logged in, token refused (401) or not allowed (403), unsafe config file
  5  refused input or conflict (400, 409, 413 and other 4xx)
  6  server error or unavailable (5xx, 429, connection refused)`;

/** The exit code for an HTTP status the API answered with. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  if (status >= 400) return EXIT.refused;
  return EXIT.ok;
}

/**
 * Every failure a client command reports: a stable `code` (the API's `error.code`, or the
 * CLI's own such as NOT_LOGGED_IN), a message, and the exit code. The entry point prints
 * `pyfaas: <code>: <message>` and exits with `exitCode`.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A wrong command line found after parsing (commander catches the rest): exit 2. */
export function usageError(message: string): CliError {
  return new CliError('USAGE', message, EXIT.usage);
}
