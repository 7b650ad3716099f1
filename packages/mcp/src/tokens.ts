import { randomBytes } from 'node:crypto';

/** What a token stands for: a secret's name and, optionally, one field of a JSON secret. */
export interface TokenTarget {
  name: string;
  field?: string;
}

/** Why a token found in a text stands for nothing. */
export type TokenProblem = 'expired' | 'foreign' | 'unknown' | 'ended';

export interface FoundToken {
  token: string;
  target?: TokenTarget;
  /** Set when `target` is not: why the token does not resolve. */
  problem?: TokenProblem;
  /** When an expired token stopped resolving. */
  expiredAt?: Date;
}

export interface SessionTokensOptions {
  /** How long a token resolves after it is issued, in ms (default one hour). */
  ttlMs?: number;
  /** The clock, in epoch ms (default `Date.now`); for tests. */
  now?: () => number;
}

/** A token's default lifetime: one hour, and never longer than its session. */
export const DEFAULT_TOKEN_TTL_MS = 3_600_000;

/**
 * `hush:tok_`, 8 characters of base32 naming the session and 26 more (130 bits) naming the token;
 * nothing derived from the secret's name. The session part is how a token of another session is
 * told from a forged one.
 */
const TOKEN = /hush:tok_([a-z2-7]{8})([a-z2-7]{26})/g;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(length: number): string {
  let text = '';
  for (const byte of randomBytes(length)) text += ALPHABET[byte % 32];
  return text;
}

/**
 * The tokens of one session: opaque references an agent may pass around and put in a command's
 * arguments or environment, each bound to a secret name. Each resolves for `ttlMs` after it is
 * issued, only in the session that issued it, and no longer once that session ends.
 */
export class SessionTokens {
  /** This session's part of every token it issues. */
  readonly session = base32(8);
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #issued = new Map<string, { target: TokenTarget; expiresAt: number }>();
  #closed = false;

  constructor(options: SessionTokensOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
    if (!(Number.isFinite(this.ttlMs) && this.ttlMs > 0))
      throw new RangeError(`a token lifetime must be a positive number of ms (got ${options.ttlMs})`);
    this.#now = options.now ?? Date.now;
  }

  /** A new token for a name (a new one each call: tokens say nothing about each other), and its end. */
  issue(target: TokenTarget): { token: string; expiresAt: Date } {
    if (this.#closed) throw new Error('the session has ended');
    const token = `hush:tok_${this.session}${base32(26)}`;
    const expiresAt = this.#now() + this.ttlMs;
    this.#issued.set(token, { target: { ...target }, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** Every token in a text, in order of first appearance, with what it stands for or why it stands for nothing. */
  find(text: string): FoundToken[] {
    const seen = new Set<string>();
    const found: FoundToken[] = [];
    const now = this.#now();
    for (const match of text.matchAll(TOKEN)) {
      const token = match[0];
      if (seen.has(token)) continue;
      seen.add(token);
      const issued = this.#issued.get(token);
      if (this.#closed) found.push({ token, problem: 'ended' });
      else if (match[1] !== this.session) found.push({ token, problem: 'foreign' });
      else if (!issued) found.push({ token, problem: 'unknown' });
      else if (issued.expiresAt <= now)
        found.push({ token, problem: 'expired', expiredAt: new Date(issued.expiresAt) });
      else found.push({ token, target: issued.target });
    }
    return found;
  }

  /** Replaces each token of the text by what `substitute` gives for it. */
  replace(text: string, substitute: (token: string) => string): string {
    return text.replace(TOKEN, (token) => substitute(token));
  }

  get size(): number {
    return this.#issued.size;
  }

  /** Ends the session: no token resolves any more. */
  close(): void {
    this.#closed = true;
    this.#issued.clear();
  }
}

/** The refusal for a token that resolves to nothing: it names the token and why, never a value. */
export function tokenRefusal(found: FoundToken): string {
  switch (found.problem) {
    case 'expired':
      return `token ${found.token} expired at ${found.expiredAt!.toISOString()}: ask reference_secret for a new one`;
    case 'foreign':
      return `token ${found.token} belongs to another session: a token resolves only in the session that issued it`;
    case 'ended':
      return `token ${found.token} no longer resolves: this session has ended`;
    default:
      return `token ${found.token} was not issued by this session (unknown or forged)`;
  }
}
