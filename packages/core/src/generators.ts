import { randomInt, randomUUID } from 'node:crypto';
import { ValidationError } from './errors.js';
import type { GeneratorSpec } from './types.js';

export const ALPHABETS: Record<string, string> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  symbols: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%+,-.:=@^_~',
};

/** A random string from a CSPRNG; each character drawn uniformly (no modulo bias). */
export function generateRandom(length = 32, alphabet: string = ALPHABETS.alnum!): string {
  if (!Number.isInteger(length) || length < 1 || length > 4096)
    throw new ValidationError(`random length must be an integer from 1 to 4096, got ${length}`);
  const chars = [...new Set(ALPHABETS[alphabet] ?? alphabet)];
  if (chars.length < 2) throw new ValidationError('a random alphabet needs at least two distinct characters');
  let out = '';
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

export function parseGeneratorSpec(spec: GeneratorSpec): Exclude<GeneratorSpec, string> {
  if (typeof spec !== 'string') return spec;
  const [type, length, alphabet] = spec.split(':');
  if (type === 'uuid' && length === undefined) return { type: 'uuid' };
  if (type === 'random') {
    const n = length === undefined ? 32 : Number(length);
    if (!Number.isInteger(n))
      throw new ValidationError(`invalid generator '${spec}': length must be an integer`);
    return { type: 'random', length: n, ...(alphabet ? { alphabet } : {}) };
  }
  throw new ValidationError(`unknown generator '${spec}': use 'random:<length>[:<alphabet>]' or 'uuid'`);
}

export function generateSecretValue(spec: GeneratorSpec = 'random:32'): string {
  const parsed = parseGeneratorSpec(spec);
  return parsed.type === 'uuid' ? randomUUID() : generateRandom(parsed.length, parsed.alphabet);
}
