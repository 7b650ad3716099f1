import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError, IntegrityError } from './errors.js';
import { createSecret, type Secret, type SecretInfo } from './secret.js';

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** What is sealed: the value and the descriptive fields, dates as epoch ms. */
interface SealedPayload {
  v: string;
  i: Omit<SecretInfo, 'createdAt' | 'updatedAt' | 'expiresAt'> & {
    createdAt: number;
    updatedAt: number;
    expiresAt?: number;
  };
}

/** Reads a tier key: 32 bytes, as base64 (standard or URL-safe) or hex text. Never quotes it. */
export function parseTierKey(key: string | Uint8Array, path = 'cache.shared.key'): Buffer {
  let bytes: Buffer | undefined;
  if (typeof key !== 'string') bytes = Buffer.from(key);
  else {
    const text = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text, 'base64');
  }
  if (bytes?.length !== 32)
    throw new ConfigError('expected 32 random bytes as base64 or hex text', {
      path,
      hint: '`hush keygen` prints one; keep it in an environment variable (${env:HUSH_CACHE_KEY})',
    });
  return bytes;
}

/**
 * Seals secrets for a cache tier with AES-256-GCM: a fresh IV each, the key derived (HKDF-SHA256)
 * from the configured one, and additional data binding environment, name and version, so that
 * an entry moved to another name, version or environment fails to open.
 */
export class TierSealer {
  readonly #key: Buffer;

  constructor(
    key: string | Uint8Array,
    readonly environment: string,
  ) {
    this.#key = Buffer.from(
      hkdfSync('sha256', parseTierKey(key), 'hush cache tier', 'aes-256-gcm entries v1', 32),
    );
  }

  seal(name: string, secret: Secret): Uint8Array {
    const { expiresAt: _expiry, ...info } = secret.toInfo();
    const payload: SealedPayload = {
      v: secret.value,
      i: {
        ...info,
        createdAt: info.createdAt.getTime(),
        updatedAt: info.updatedAt.getTime(),
        ...(secret.expiresAt ? { expiresAt: secret.expiresAt.getTime() } : {}),
      },
    };
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(this.#aad(name, secret.version));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]);
  }

  /** The secret sealed for `name` at `version`; an `IntegrityError` when it does not authenticate. */
  open(name: string, version: string, sealed: Uint8Array): Secret {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT)
      throw new IntegrityError(`cache tier entry of '${name}' is not a sealed entry`, name);
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(this.#aad(name, version));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
      text = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new IntegrityError(
        `cache tier entry of '${name}' failed authentication (another key, name, version or environment)`,
        name,
      );
    }
    const { v, i } = JSON.parse(text) as SealedPayload;
    return createSecret({
      ...i,
      value: v,
      createdAt: new Date(i.createdAt),
      updatedAt: new Date(i.updatedAt),
      expiresAt: i.expiresAt === undefined ? undefined : new Date(i.expiresAt),
    });
  }

  #aad(name: string, version: string): Buffer {
    return Buffer.from(`hush-tier\u0000${this.environment}\u0000${name}\u0000${version}`, 'utf8');
  }
}
