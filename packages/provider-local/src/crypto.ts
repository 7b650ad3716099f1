import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  pbkdf2,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

export const FORMAT = 'hush.local/v1';

/** How the root key of a store is obtained; stored in the file (never the key itself). */
export type KdfParams =
  | { name: 'hkdf-sha256'; salt: string }
  | { name: 'scrypt'; salt: string; N: number; r: number; p: number }
  | { name: 'pbkdf2-sha256'; salt: string; iterations: number };

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt recommendation is N=2^17, r=8, p=1 (128 MiB, a few hundred ms): paid once per process. */
export const DEFAULT_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const MIN_SCRYPT_N = 2 ** 14;

/** PBKDF2-SHA256, for those who must use a NIST-approved KDF: OWASP's 600,000 iterations is the floor. */
export interface Pbkdf2Cost {
  iterations: number;
}
export const MIN_PBKDF2_ITERATIONS = 600_000;
export const DEFAULT_PBKDF2: Pbkdf2Cost = { iterations: MIN_PBKDF2_ITERATIONS };

/** What unlocks a store: a random 32-byte master key, or a passphrase stretched by scrypt. */
export type KeySource =
  | { kind: 'master-key'; key: Buffer }
  | { kind: 'passphrase'; passphrase: string; cost?: ScryptCost; pbkdf2?: Pbkdf2Cost };

/** Independent subkeys, so that no key is used for two purposes. */
export interface DerivedKeys {
  encryption: Buffer;
  mac: Buffer;
  check: Buffer;
}

export function newKdfParams(source: KeySource): KdfParams {
  const salt = randomBytes(16).toString('base64');
  if (source.kind === 'master-key') return { name: 'hkdf-sha256', salt };
  if (source.pbkdf2) return { name: 'pbkdf2-sha256', salt, iterations: source.pbkdf2.iterations };
  const cost = source.cost ?? DEFAULT_SCRYPT;
  return { name: 'scrypt', salt, N: cost.N, r: cost.r, p: cost.p };
}

function scryptAsync(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes or Node refuses the parameters.
    const maxmem = 256 * cost.N * cost.r + 1024 * 1024;
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: cost.N, r: cost.r, p: cost.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function pbkdf2Async(passphrase: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(passphrase.normalize('NFC'), salt, iterations, 32, 'sha256', (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Refuses a PBKDF2 cost below the floor, whether asked for in options or found in a file. */
export function checkPbkdf2(cost: Pbkdf2Cost): void {
  if (!Number.isSafeInteger(cost.iterations) || cost.iterations < MIN_PBKDF2_ITERATIONS)
    throw new KdfMismatch(`PBKDF2-SHA256 needs at least ${MIN_PBKDF2_ITERATIONS} iterations`);
}

function hkdf(root: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, salt, `${FORMAT} ${info}`, 32));
}

/** Raw keys cost one HKDF (microseconds); passphrases cost one scrypt (or PBKDF2) run. */
export async function deriveKeys(source: KeySource, kdf: KdfParams): Promise<DerivedKeys> {
  const salt = Buffer.from(kdf.salt, 'base64');
  let root: Buffer;
  if (kdf.name === 'hkdf-sha256') {
    if (source.kind !== 'master-key')
      throw new KdfMismatch('this store is protected by a master key, not a passphrase');
    root = source.key;
  } else {
    if (source.kind !== 'passphrase')
      throw new KdfMismatch('this store is protected by a passphrase, not a master key');
    if (kdf.name === 'pbkdf2-sha256') {
      checkPbkdf2(kdf);
      root = await pbkdf2Async(source.passphrase, salt, kdf.iterations);
    } else {
      if (kdf.N < MIN_SCRYPT_N || kdf.r < 1 || kdf.p < 1)
        throw new KdfMismatch('the store asks for scrypt parameters below the minimum');
      root = await scryptAsync(source.passphrase, salt, kdf);
    }
  }
  return {
    encryption: hkdf(root, salt, 'encryption'),
    mac: hkdf(root, salt, 'file-mac'),
    check: hkdf(root, salt, 'key-check'),
  };
}

export class KdfMismatch extends Error {}

export function keyCheckValue(keys: DerivedKeys, storeId: string, kdf: KdfParams): string {
  return createHmac('sha256', keys.check)
    .update(JSON.stringify([`${FORMAT} key-check`, storeId, kdf]))
    .digest('base64');
}

export function equalBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** One encrypted value version as stored in the file. */
export interface SealedValue {
  iv: string;
  ct: string;
  tag: string;
}

/** Binds a ciphertext to its store, name and version: moved anywhere else, it fails to authenticate. */
function additionalData(storeId: string, name: string, version: string): Buffer {
  return Buffer.from(JSON.stringify([FORMAT, storeId, name, version]), 'utf8');
}

export function encryptValue(
  key: Buffer,
  storeId: string,
  name: string,
  version: string,
  value: string,
): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(storeId, name, version));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Returns null when the ciphertext does not authenticate (tampered, moved, truncated or wrong key). */
export function decryptValue(
  key: Buffer,
  storeId: string,
  name: string,
  version: string,
  sealed: SealedValue,
): string | null {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(additionalData(storeId, name, version));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

export function hmacParts(key: Buffer, parts: Iterable<string>): string {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part).update('\n');
  return mac.digest('base64');
}

export function randomId(): string {
  return randomBytes(16).toString('base64url');
}
