/** Exit codes of `hush` (documented in the README's table). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  unavailable: 5,
  fileAccess: 6,
} as const;

/** How each error `code` of @hush/core (and of the plugins) maps to an exit code. */
const CODE_EXITS: Record<string, number> = {
  SECRET_NOT_FOUND: EXIT.notFound,
  UNRESOLVED_REFERENCES: EXIT.notFound,
  ACCESS_DENIED: EXIT.denied,
  PROVIDER_UNAVAILABLE: EXIT.unavailable,
  // The operating system refused a store, key or policy file: not an outage, not a denial by grant.
  FILE_ACCESS_DENIED: EXIT.fileAccess,
  // The operator typed something the command cannot take: a bad name, duration, generator...
  INVALID_SECRET_NAME: EXIT.usage,
  VALIDATION_ERROR: EXIT.usage,
  USAGE: EXIT.usage,
  // A configuration file, key, store or plugin problem is a failure, not a usage error.
  CONFIG_ERROR: EXIT.failure,
};

/** An error the CLI raises itself: a message, an exit code, a hint and detail lines. */
export class CliError extends Error {
  readonly code: string;
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly hint?: string,
    readonly details: string[] = [],
    code?: string,
  ) {
    super(message);
    this.code = code ?? (exitCode === EXIT.usage ? 'USAGE' : 'CLI_ERROR');
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in CODE_EXITS) return CODE_EXITS[code]!;
  return EXIT.failure;
}

/** The error document of `--json` on stderr (schemas/error.schema.json): code, message, hint. */
export function writeJsonError(code: string, message: string, hint?: string, details: string[] = []): void {
  const error = { code, message, hint: hint ?? null, ...(details.length ? { details } : {}) };
  process.stderr.write(`${JSON.stringify({ error })}\n`);
}

/**
 * One error on stderr, `hush: message`, its details and a hint (with `json`, the `{"error":{...}}`
 * document), each scrubbed by `scrub`; the stack too with `debug`. Returns the exit code.
 */
export function reportError(
  error: unknown,
  options: { json: boolean; debug: boolean; scrub: (text: string) => string },
): number {
  const { json, debug, scrub } = options;
  const exitCode = exitCodeFor(error);
  if ((error as { name?: string })?.name === 'ExitPromptError') {
    if (json) writeJsonError('CANCELLED', 'cancelled');
    else process.stderr.write('hush: cancelled\n');
    return 130;
  }
  const err = error as {
    message?: string;
    hint?: string;
    details?: string[];
    stack?: string;
    code?: unknown;
  };
  const message = scrub(
    (typeof err?.message === 'string' ? err.message : String(error)).split('\n')[0] ?? '',
  );
  const details = (err?.details ?? []).map(scrub);
  const hint = err?.hint ? scrub(err.hint) : undefined;
  if (json) {
    writeJsonError(typeof err?.code === 'string' ? err.code : 'ERROR', message, hint, details);
    return exitCode;
  }
  process.stderr.write(`hush: ${message}\n`);
  for (const line of details) process.stderr.write(`  ${line}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  if (debug && err?.stack) process.stderr.write(`${scrub(err.stack)}\n`);
  return exitCode;
}
