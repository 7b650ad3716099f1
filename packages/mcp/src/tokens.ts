import { randomBytes } from 'node:crypto';

/** What a token stands for: a secret's name and, optionally, one field of a JSON secret. */
export interface TokenTarget {
  name: string;
  field?: string;
}

/** `hush:tok_` and 26 characters of base32: 130 bits, nothing derived from the name. */
const TOKEN = /hush:tok_[a-z2-7]{26}/g;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The tokens of one session: opaque references an agent may pass around and put in a command's
 * arguments or environment, each bound to a secret name. They mean nothing outside this session
 * and stop meaning anything when it ends.
 */
export class SessionTokens {
  readonly #targets = new Map<string, TokenTarget>();
  #closed = false;

  /** A new token for a name (a new one each call: tokens say nothing about each other). */
  issue(target: TokenTarget): string {
    if (this.#closed) throw new Error('the session has ended');
    const bytes = randomBytes(26);
    let token = 'hush:tok_';
    for (const byte of bytes) token += ALPHABET[byte % 32];
    this.#targets.set(token, { ...target });
    return token;
  }

  /** Every token in a text, in order of first appearance, with what it stands for (unknown ones too). */
  find(text: string): Array<{ token: string; target?: TokenTarget }> {
    const seen = new Set<string>();
    const found: Array<{ token: string; target?: TokenTarget }> = [];
    for (const match of text.matchAll(TOKEN)) {
      if (seen.has(match[0])) continue;
      seen.add(match[0]);
      const target = this.#targets.get(match[0]);
      found.push({ token: match[0], ...(target ? { target } : {}) });
    }
    return found;
  }

  /** Replaces each token of the text by what `substitute` gives for it. */
  replace(text: string, substitute: (token: string) => string): string {
    return text.replace(TOKEN, (token) => substitute(token));
  }

  get size(): number {
    return this.#targets.size;
  }

  /** Ends the session: no token resolves any more. */
  close(): void {
    this.#closed = true;
    this.#targets.clear();
  }
}
