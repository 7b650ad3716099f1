import type { FaultDecision } from '../faults.js';

/**
 * Vault's own answers to an injected fault (an outage has none: the socket is dropped): a 500
 * in Vault's multierror wording, and the 429 a rate-limit quota gives.
 */
export function faultAnswer(
  fault: Exclude<FaultDecision, 'outage' | null>,
  path: string,
  body = '',
): { status: number; body: { errors: string[] } } {
  // A 400 quoting the input, as a plugin's own validation message may.
  if (fault === 'echo') return { status: 400, body: { errors: [`invalid request body: ${body}`] } };
  return fault === 'error'
    ? { status: 500, body: { errors: ['1 error occurred:\n\t* injected fault: internal error\n\n'] } }
    : { status: 429, body: { errors: [`request path "${path}": rate limit quota exceeded`] } };
}
