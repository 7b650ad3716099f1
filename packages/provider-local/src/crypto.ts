import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  pbkdf2,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

/** The store file format hush writes: a header line, then one line per secret (see store-lines.ts). */
export const FORMAT = 'hush.local/v2';

/** The first format: one pretty-printed JSON document. Still read; the first write rewrites it as v2. */
export const FORMAT_V1 = 'hush.local/v1';

/**
 * The label of the key derivation, the key check and each value's additional data. It stays the
 * first format's across layouts: a store changes layout without re-encrypting anything.
 */
const CRYPTO_LABEL = 'hush.local/v1';

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

/** PBKDF2-SHA256, for those who must use a NIST-approved KDF: OWASP's 600,000 iterations is the floor. */
export interface Pbkdf2Cost {
  iterations: number;
}
export const MIN_PBKDF2_ITERATIONS = 600_000;
export const DEFAULT_PBKDF2: Pbkdf2Cost = { iterations: MIN_PBKDF2_ITERATIONS };

/**
 * The key-derivation costs hush writes and reads. A store file names its own parameters, so a
 * file asking for more than this (minutes of CPU, gigabytes of memory for every reader) is refused
 * before anything is derived, as is a cost option asking for it.
 */
export const KDF_LIMITS = Object.freeze({
  /** scrypt N: a power of two from 2^14 to 2^20. */
  scryptMinN: 2 ** 14,
  scryptMaxN: 2 ** 20,
  scryptMaxR: 16,
  scryptMaxP: 16,
  /** 128·N·r bytes of memory: at most 1 GiB. */
  scryptMaxMemoryBytes: 2 ** 30,
  /** N·r·p: at most 16 times the default cost's. */
  scryptMaxWork: 2 ** 24,
  pbkdf2MinIterations: MIN_PBKDF2_ITERATIONS,
  pbkdf2MaxIterations: 5_000_000,
  saltMinBytes: 16,
  saltMaxBytes: 64,
});

const isPowerOfTwo = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** What is wrong with a scrypt cost, or undefined when it is within `KDF_LIMITS`. */
export function scryptProblem(cost: ScryptCost): string | undefined {
  const { N, r, p } = cost;
  const L = KDF_LIMITS;
  if (![N, r, p].every(Number.isSafeInteger)) return 'scrypt N, r and p must be integers';
  if (!isPowerOfTwo(N) || N < L.scryptMinN || N > L.scryptMaxN)
    return `scrypt N must be a power of two from 2^14 to 2^20 (got ${N})`;
  if (r < 1 || r > L.scryptMaxR) return `scrypt r must be from 1 to ${L.scryptMaxR} (got ${r})`;
  if (p < 1 || p > L.scryptMaxP) return `scrypt p must be from 1 to ${L.scryptMaxP} (got ${p})`;
  if (128 * N * r > L.scryptMaxMemoryBytes) return `scrypt N·r asks for more than 1 GiB of memory`;
  if (N * r * p > L.scryptMaxWork) return 'scrypt N·r·p is above 2^24';
  return undefined;
}

/** What is wrong with a PBKDF2 iteration count, or undefined when it is within `KDF_LIMITS`. */
export function pbkdf2Problem(iterations: number): string | undefined {
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < KDF_LIMITS.pbkdf2MinIterations ||
    iterations > KDF_LIMITS.pbkdf2MaxIterations
  )
    return `PBKDF2-SHA256 iterations must be from ${KDF_LIMITS.pbkdf2MinIterations} to ${KDF_LIMITS.pbkdf2MaxIterations}`;
  return undefined;
}

/** What is wrong with the `kdf` header of a store file, or undefined when hush may derive with it. */
export function kdfProblem(kdf: KdfParams): string | undefined {
  const salt = Buffer.from(kdf.salt, 'base64');
  if (salt.length < KDF_LIMITS.saltMinBytes || salt.length > KDF_LIMITS.saltMaxBytes)
    return `the salt must be ${KDF_LIMITS.saltMinBytes} to ${KDF_LIMITS.saltMaxBytes} bytes`;
  if (kdf.name === 'scrypt') return scryptProblem(kdf);
  if (kdf.name === 'pbkdf2-sha256') return pbkdf2Problem(kdf.iterations);
  return undefined;
}

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

/** Refuses a PBKDF2 cost outside the limits, whether asked for in options or found in a file. */
export function checkPbkdf2(cost: Pbkdf2Cost): void {
  const problem = pbkdf2Problem(cost.iterations);
  if (problem) throw new KdfMismatch(problem);
}

/** The counter byte of HKDF's first output block. */
const FIRST_BLOCK = Uint8Array.of(1);

/**
 * HKDF-SHA256 (RFC 5869) to one 32-byte key per `info`, the bytes `hkdfSync('sha256', root, salt,
 * info, 32)` gives, computed on HMAC: OpenSSL sets up each algorithm on its first use (about
 * 0.2 ms), and a short command that reads a store sets up HMAC for the file MAC anyway.
 */
export function hkdfKeys<Name extends string>(
  root: Buffer,
  salt: Buffer,
  infos: Record<Name, string | Uint8Array>,
): Record<Name, Buffer> {
  const prk = createHmac('sha256', salt).update(root).digest();
  const keys = {} as Record<Name, Buffer>;
  // A 32-byte key is the first block of the expansion: T(1) = HMAC(PRK, info || 0x01).
  for (const name of Object.keys(infos) as Name[])
    keys[name] = createHmac('sha256', prk).update(infos[name]).update(FIRST_BLOCK).digest();
  return keys;
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
    // Checked again here, whatever the caller checked: nothing is derived outside the limits.
    const problem = kdfProblem(kdf);
    if (problem) throw new KdfOutOfBounds(problem);
    root =
      kdf.name === 'pbkdf2-sha256'
        ? await pbkdf2Async(source.passphrase, salt, kdf.iterations)
        : await scryptAsync(source.passphrase, salt, kdf);
  }
  return hkdfKeys(root, salt, {
    encryption: `${CRYPTO_LABEL} encryption`,
    mac: `${CRYPTO_LABEL} file-mac`,
    check: `${CRYPTO_LABEL} key-check`,
  });
}

/** The key given is of the other kind (master key vs passphrase), or its cost option is refused. */
export class KdfMismatch extends Error {}

/** The store's KDF parameters are outside `KDF_LIMITS`: the file was altered. */
export class KdfOutOfBounds extends Error {}

export function keyCheckValue(keys: DerivedKeys, storeId: string, kdf: KdfParams): string {
  return createHmac('sha256', keys.check)
    .update(JSON.stringify([`${CRYPTO_LABEL} key-check`, storeId, kdf]))
    .digest('base64');
}

/**
 * Whether two digests written in base64 are the same. Only the canonical spelling counts: base64's
 * last character before padding has bits that decoding ignores, so a MAC or key check with such
 * a bit changed would otherwise still match, and a changed byte of the file would go unseen.
 */
export function equalBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  if (x.toString('base64') !== a || y.toString('base64') !== b) return false;
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
  return Buffer.from(JSON.stringify([CRYPTO_LABEL, storeId, name, version]), 'utf8');
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
