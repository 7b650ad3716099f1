import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Masker } from '../src/index.js';

async function throughStream(masker: Masker, chunks: string[]): Promise<string> {
  const stream = masker.createStream();
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((r) => stream.on('end', r));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
  return Buffer.concat(out).toString('utf8');
}

describe('the masker', () => {
  const value = 'p@ss w0rd/+?&="quoted"\\end';

  it('masks the encoded forms of a value', () => {
    const masker = new Masker([value]);
    const forms = [
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
      Buffer.from(value).toString('hex'),
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1),
    ];
    for (const form of forms) expect(masker.mask(`before ${form} after`)).toBe('before *** after');
  });

  it('masks each line of a multi-line value of at least 8 characters', () => {
    const pem = '-----BEGIN KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nshort\n-----END KEY-----';
    const masker = new Masker([pem]);
    expect(masker.mask('line: MIIBVQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('line: ***');
    expect(masker.mask('short')).toBe('short');
  });

  it('holds back enough to match the longest of overlapping values at any split, longest first', async () => {
    const masker = new Masker(['abc123', 'abc123XYZsupersecretTOKEN']);
    const text = 'x abc123XYZsupersecretTOKEN y';
    for (let cut = 0; cut <= text.length; cut++)
      expect(await throughStream(masker, [text.slice(0, cut), text.slice(cut)])).toBe('x *** y');
    expect(await throughStream(masker, ['abc12', '3 and more'])).toBe('*** and more');
  });

  it('masks the short fields of a JSON value written in pieces', async () => {
    const json = JSON.stringify({ user: 'admin-user', password: 'hunter2-long' });
    const masker = new Masker([json, 'admin-user', 'hunter2-long']);
    const text = `config ${json}`;
    for (let cut = 0; cut <= text.length; cut += 3) {
      const out = await throughStream(masker, [text.slice(0, cut), text.slice(cut)]);
      expect(out).not.toContain('hunter2-long');
      expect(out).not.toContain('admin-user');
    }
  });

  it('adds N values in O(N log N): 20,000 adds stay cheap', () => {
    const masker = new Masker([], { maxValues: 50_000 });
    for (let i = 0; i < 20_000; i++) masker.add(`secret-value-${i}-${'x'.repeat(i % 7)}`);
    expect(masker.size).toBe(20_000);
    expect(masker.mask('a secret-value-19999-xx b')).not.toContain('secret-value-19999');
  });

  it('keeps at most maxValues, dropping the oldest first and counting them', () => {
    const masker = new Masker([], { maxValues: 2 });
    masker.add('first-value');
    masker.add('second-value');
    masker.add('third-value');
    expect(masker.size).toBe(2);
    expect(masker.dropped).toBe(1);
    expect(masker.mask('first-value second-value third-value')).toBe('first-value *** ***');
  });

  it('never drops a value that is pinned (still in a cache)', () => {
    const masker = new Masker([], { maxValues: 1 });
    masker.add('pinned-value', { pinned: true });
    masker.add('other-value');
    expect(masker.mask('pinned-value other-value')).toBe('*** ***');
    masker.release('pinned-value');
    masker.add('third-value');
    expect(masker.mask('pinned-value')).toBe('pinned-value');
  });
});

describe('the masker against a naive reference (property)', () => {
  /** Marks every byte covered by any value, then replaces each covered run with one mask. */
  function naive(text: string, values: string[]): string {
    const covered = new Array<boolean>(text.length).fill(false);
    for (const value of values)
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1))
        for (let i = at; i < at + value.length; i++) covered[i] = true;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (!covered[i]) out += text[i];
      else if (i === 0 || !covered[i - 1]) out += '***';
    }
    return out;
  }

  it('masks the union of every match, values of mixed lengths sharing starts and insides', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[abc]{3,12}$/), { minLength: 1, maxLength: 6 }),
        fc.array(fc.stringMatching(/^[abcx]{0,8}$/), { maxLength: 8 }),
        (values, fillers) => {
          const text = fillers.map((f, i) => f + (values[i % values.length] ?? '')).join('x');
          // Only the raw values: the reference knows no encoded forms, and [abcx] text has none.
          const masker = new Masker(values);
          expect(masker.mask(text)).toBe(naive(text, values));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('masks chunk by chunk without a stream exactly as it masks the whole text, wherever the cuts fall', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[abc]{3,12}$/), { minLength: 1, maxLength: 4 }),
        fc.array(fc.stringMatching(/^[abcx]{0,8}$/), { maxLength: 8 }),
        fc.array(fc.nat({ max: 60 }), { maxLength: 8 }),
        (values, fillers, cuts) => {
          const text = fillers.map((f, i) => f + (values[i % values.length] ?? '')).join('x');
          const masker = new Masker(values);
          const chunks = masker.createChunkMasker();
          const bytes = Buffer.from(text);
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const out: Buffer[] = [];
          let from = 0;
          for (const cut of [...at, bytes.length]) {
            out.push(chunks.write(bytes.subarray(from, cut)));
            from = cut;
          }
          out.push(chunks.end());
          expect(Buffer.concat(out).toString()).toBe(masker.mask(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('masks the form-body encoding of any value, as URLSearchParams writes it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 3, maxLength: 12 }), (value) => {
        const form = new URLSearchParams({ v: value }).toString().slice(2);
        expect(new Masker([value]).mask(`<${form}>`)).toBe('<***>');
      }),
      { numRuns: 300 },
    );
  });
});
