import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { MemoryProvider } from '@hush/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSecret, Masker, ProviderUnavailableError, SecretManager } from '../src/index.js';

const PLANTED = 'sk_live_PLANTED_4242';

describe('Secret values stay hidden', () => {
  const secret = createSecret({
    key: 'api-key',
    value: PLANTED,
    version: '1',
    provider: 'memory',
    tags: { env: 'prod' },
  });

  it('from JSON.stringify, util.inspect, String() and template literals', () => {
    expect(JSON.stringify(secret)).not.toContain(PLANTED);
    expect(JSON.stringify({ nested: [secret] })).not.toContain(PLANTED);
    expect(inspect(secret, { depth: 10 })).not.toContain(PLANTED);
    expect(inspect({ wrapper: secret }, { depth: 10, showHidden: true })).not.toContain(PLANTED);
    expect(String(secret)).not.toContain(PLANTED);
    expect(`${secret}`).not.toContain(PLANTED);
    expect(Object.keys(secret)).not.toContain('value');
    expect(secret.value).toBe(PLANTED);
  });

  it('still shows the descriptive fields', () => {
    expect(JSON.parse(JSON.stringify(secret))).toMatchObject({
      key: 'api-key',
      version: '1',
      tags: { env: 'prod' },
      value: '[REDACTED]',
    });
    expect(inspect(secret)).toContain('api-key');
  });

  it('from errors raised while serving it', async () => {
    const provider = new MemoryProvider({ secrets: { k: PLANTED } });
    const failing = new MemoryProvider({ name: 'failing' });
    failing.get = async () => {
      throw new Error(`backend echoed ${PLANTED} in its error`);
    };
    const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
    await manager.getSecret('k');
    const chained = new SecretManager({ providers: [failing] });
    chained.masker.add(PLANTED);
    const error = await chained.getSecret('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).not.toContain(PLANTED);
    expect(JSON.stringify(error)).not.toContain(PLANTED);
    expect(inspect(error)).not.toContain(PLANTED);
  });
});

describe('Masker', () => {
  it('redacts every registered value in text, longest first', () => {
    const masker = new Masker(['hunter2', 'hunter22-long']);
    expect(masker.mask('a hunter22-long b hunter2 c')).toBe('a *** b *** c');
  });

  it('redacts JSON-escaped forms', () => {
    const masker = new Masker(['line1\nline2"q']);
    expect(masker.mask(JSON.stringify({ v: 'line1\nline2"q' }))).toBe('{"v":"***"}');
  });

  it('ignores values too short to mask safely', () => {
    const masker = new Masker(['ab', '']);
    expect(masker.mask('ab ab')).toBe('ab ab');
    expect(masker.size).toBe(0);
  });

  async function streamThrough(masker: Masker, chunks: Buffer[]): Promise<Buffer> {
    const out: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      Readable.from(chunks)
        .pipe(masker.createStream())
        .on('data', (d: Buffer) => out.push(d))
        .on('end', resolve)
        .on('error', reject);
    });
    return Buffer.concat(out);
  }

  it('redacts a value split across stream chunks at every byte boundary', async () => {
    const value = 'pässwörd-🔑-12345';
    const masker = new Masker([value]);
    const text = Buffer.from(`before ${value} middle ${value} after`, 'utf8');
    for (let cut = 0; cut <= text.length; cut++) {
      const out = await streamThrough(masker, [text.subarray(0, cut), text.subarray(cut)]);
      expect(out.toString('utf8')).toBe('before *** middle *** after');
    }
  });

  it('redacts a value delivered one byte at a time', async () => {
    const masker = new Masker([PLANTED]);
    const text = Buffer.from(`x${PLANTED}y${PLANTED}`);
    const out = await streamThrough(
      masker,
      [...text].map((b) => Buffer.from([b])),
    );
    expect(out.toString()).toBe('x***y***');
  });

  it('passes binary output through untouched apart from values', async () => {
    const masker = new Masker([PLANTED]);
    const binary = Buffer.from([0, 255, 1, 254, 0x80, 0xc3]);
    const input = Buffer.concat([binary, Buffer.from(PLANTED), binary]);
    const out = await streamThrough(masker, [input.subarray(0, 9), input.subarray(9)]);
    expect(out).toEqual(Buffer.concat([binary, Buffer.from('***'), binary]));
  });

  it('never lets a value through, whatever the chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 3, maxLength: 20 }).filter((s) => !s.includes('*')),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
        fc.array(fc.nat({ max: 200 }), { maxLength: 6 }),
        async (value, fillers, cuts) => {
          const masker = new Masker([value]);
          const text = Buffer.from(fillers.join(value), 'utf8');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of points) {
            chunks.push(text.subarray(last, p));
            last = p;
          }
          chunks.push(text.subarray(last));
          const out = (await streamThrough(masker, chunks)).toString('utf8');
          expect(out.includes(value)).toBe(false);
          expect(out).toBe(masker.mask(text.toString('utf8')));
        },
      ),
      { numRuns: 150 },
    );
  });
});
