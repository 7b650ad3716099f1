import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdfKeys } from '../src/crypto.js';

describe('hkdfKeys', () => {
  it('gives the first 32 bytes of RFC 5869 test case 1', () => {
    // RFC 5869, appendix A.1 (SHA-256): IKM 22 × 0x0b, salt 0x00..0x0c, info 0xf0..0xf9, L = 42.
    const ikm = Buffer.alloc(22, 0x0b);
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex');
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
    const okm = '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865';
    expect(hkdfKeys(ikm, salt, { key: info }).key.toString('hex')).toBe(okm.slice(0, 64));
  });

  it('equals hkdfSync for any key, salt and label', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (root, salt, a, b) => {
          const keys = hkdfKeys(Buffer.from(root), Buffer.from(salt), { a, b });
          for (const [name, info] of [
            ['a', a],
            ['b', b],
          ] as const)
            expect(keys[name].equals(Buffer.from(hkdfSync('sha256', root, salt, info, 32)))).toBe(true);
        },
      ),
    );
  });
});
