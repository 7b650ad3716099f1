import { readFileSync, writeFileSync } from 'node:fs';
import { IntegrityError } from '@hush/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKeys } from '../src/crypto.js';
import { parseMasterKey } from '../src/keys.js';
import { parseStore } from '../src/store-file.js';
import { readLayout } from '../src/store-lines.js';
import { StreamedStore } from '../src/store-stream.js';
import { editStore, type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

// Names of every shape the validator accepts, with the section markers' own words among them.
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/),
  fc.constantFrom('secrets', 'sealed', 'format', 'mac', 'a', 'aa'),
);
const names = fc.uniqueArray(
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
  { minLength: 1, maxLength: 20 },
);

const PLANTED = 'planted-stream-Value-77e1';

/** The file MAC key of the store in `local`, derived as the provider derives it. */
async function macKey(local: Sandbox): Promise<Buffer> {
  const doc = parseStore(readFileSync(local.store, 'utf8'), local.store);
  const keys = await deriveKeys({ kind: 'master-key', key: parseMasterKey(local.key, 'test') }, doc.kdf);
  return keys.mac;
}

/**
 * One entry streamed from the store with `chunk`-byte reads (undefined: absent); 'declined' when
 * the stream leaves the file to a whole read (false, or thrown: the reader reads it whole then).
 */
async function streamed(local: Sandbox, name: string, chunk: number, key: Buffer) {
  const file = StreamedStore.open(local.store, chunk);
  try {
    if (!file.head(local.store) || !file.verify(key)) return 'declined';
    return file.entry(name, local.store);
  } catch {
    return 'declined';
  } finally {
    file.close();
  }
}

describe('one entry streamed from a store', () => {
  it('finds what a whole parse finds, whatever the size of the reads (markers across reads too)', async () => {
    await fc.assert(
      fc.asyncProperty(
        names,
        fc.array(segment, { maxLength: 4 }),
        fc.integer({ min: 1, max: 300 }),
        async (stored, probes, chunk) => {
          const local = sandbox();
          try {
            const provider = local.make();
            await provider.setMany(Object.fromEntries(stored.map((n, i) => [n, `v-${i}`])));
            const whole = parseStore(readFileSync(local.store, 'utf8'), local.store);
            const key = await macKey(local);
            for (const name of [...stored, ...probes, `${stored[0] ?? 'x'}x`, 'secrets', 'sealed'])
              expect(await streamed(local, name, chunk, key)).toEqual(
                Object.hasOwn(whole.secrets, name) ? { ...whole.secrets[name] } : undefined,
              );
          } finally {
            local.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('declines a file with any one byte changed, and one in another layout', async () => {
    await box.make().setMany({ 'db/url': PLANTED, 'api/key': 'other' });
    const key = await macKey(box);
    const original = readFileSync(box.store);
    for (let at = 0; at < original.length; at += 7) {
      const changed = Buffer.from(original);
      changed[at] = changed[at] === 0x41 ? 0x42 : 0x41;
      writeFileSync(box.store, changed);
      expect(await streamed(box, 'db/url', 64, key)).toBe('declined');
    }
    writeFileSync(box.store, original.toString('utf8').replace(/\n/g, '\r\n'));
    expect(await streamed(box, 'db/url', 64, key)).toBe('declined');
    writeFileSync(box.store, `${JSON.stringify(JSON.parse(original.toString('utf8')), null, 2)}\n`);
    expect(await streamed(box, 'db/url', 64, key)).toBe('declined');
    writeFileSync(box.store, original);
    expect((await streamed(box, 'db/url', 64, key)) as object).toHaveProperty('versions');
  });

  it('reads a store whose sections are empty, as readLayout does', async () => {
    const provider = box.make();
    await provider.set('only', PLANTED);
    await provider.delete('only');
    const bytes = readFileSync(box.store);
    const layout = readLayout(bytes, box.store);
    expect(layout?.meta[0]).toBe(layout?.meta[1]);
    expect(layout?.sealed[0]).toBe(layout?.sealed[1]);
    expect(await streamed(box, 'only', 5, await macKey(box))).toBeUndefined();
  });

  it('knows whether the file was written to after it was opened', async () => {
    await box.make().setMany({ a: 'one' });
    const file = StreamedStore.open(box.store);
    try {
      expect(file.unchanged()).toBe(true);
      writeFileSync(box.store, readFileSync(box.store));
      expect(file.unchanged()).toBe(false);
    } finally {
      file.close();
    }
  });
});

describe('getOnce', () => {
  it('answers as get does, and keeps nothing: a write by another process is seen at once', async () => {
    await box.make().setMany({ 'db/url': PLANTED, 'api/key': 'other' });
    const once = box.make({ syncReads: true });
    expect((await once.getOnce('db/url'))?.value).toBe(PLANTED);
    expect(await once.getOnce('missing')).toBeNull();
    await box.make().set('db/url', 'rotated');
    expect((await once.getOnce('db/url'))?.value).toBe('rotated');
    expect((await once.getOnce('db/url', { version: '1' }))?.value).toBe(PLANTED);
    const get = await box.make({ syncReads: true }).get('db/url');
    expect(await box.make({ syncReads: true }).getOnce('db/url')).toEqual(get);
  });

  it('reports a tampered store as get does, with no value in the error', async () => {
    await box.make().setMany({ 'db/url': PLANTED, other: 'x' });
    editStore(box.store, (doc) => {
      doc.secrets.other.tags = { added: 'by hand' };
    });
    const viaGet = await thrown(() => box.make({ syncReads: true }).get('db/url'));
    const viaOnce = await thrown(() => box.make({ syncReads: true }).getOnce('db/url'));
    expect(viaOnce).toBeInstanceOf(IntegrityError);
    expect(viaOnce.message).toBe(viaGet.message);
    expect(viaOnce.message).not.toContain(PLANTED);
  });

  it('refuses a store older than the generation already seen, as get does', async () => {
    const provider = box.make();
    await provider.set('a', 'one');
    const older = readFileSync(box.store);
    await provider.set('a', 'two');
    await box.make({ syncReads: true }).getOnce('a');
    writeFileSync(box.store, older);
    const error = await thrown(() => box.make({ syncReads: true }).getOnce('a'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(/older than generation/);
  });
});
