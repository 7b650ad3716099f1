/** Network error codes that mean "the backend could not be reached or dropped the call". */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** HTTP statuses worth retrying: throttling and server-side failures. */
export function isTransientStatus(status: number | undefined): boolean {
  return status === 408 || status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

/** The network code of an error or of anything in its cause chain. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
    const errno = (current as { errno?: unknown }).errno;
    if (typeof errno === 'string' && TRANSIENT_NETWORK_CODES.has(errno)) return errno;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function statusOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as {
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown; statusCode?: unknown };
    $metadata?: { httpStatusCode?: unknown };
  };
  for (const candidate of [
    e.statusCode,
    e.status,
    e.$metadata?.httpStatusCode,
    e.response?.statusCode,
    e.response?.status,
  ])
    if (typeof candidate === 'number') return candidate;
  return undefined;
}

/**
 * Whether a failure is worth another try: a network error (refused, reset, aborted, timed out,
 * DNS), a timeout or throttling status, or a 5xx. Client errors and answers are not.
 */
export function isTransientError(error: unknown): boolean {
  if (networkCode(error) !== undefined) return true;
  if (isTransientStatus(statusOf(error))) return true;
  const name = (error as { name?: unknown })?.name;
  return name === 'TimeoutError';
}
