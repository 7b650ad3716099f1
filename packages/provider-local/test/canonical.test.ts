import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findEntry, readHeader } from '../src/canonical.js';
import { parseStore } from '../src/store-file.js';
import { type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

// Names of every shape the validator accepts: path segments, dots, dashes, unicode, digits.
const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/);
const names = fc.uniqueArray(
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
  { minLength: 1, maxLength: 25 },
);

describe('one entry read from the canonical layout', () => {
  it('finds exactly the entries a whole parse finds, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.array(segment, { maxLength: 5 }), async (stored, probes) => {
        const local = sandbox();
        try {
          await local.make().setMany(Object.fromEntries(stored.map((n, i) => [n, `value-${i}`])));
          const bytes = readFileSync(local.store);
          const text = bytes.toString('utf8');
          const canonical = readHeader(bytes, local.store);
          expect(canonical).toBeDefined();
          const whole = parseStore(text, local.store);
          expect(canonical!.header.mac).toBe(whole.mac);
          for (const name of [...stored, ...probes, `${stored[0]}x`, stored[0]!.slice(0, -1)])
            expect(findEntry(bytes, canonical!.entriesAt, name)).toEqual(
              Object.hasOwn(whole.secrets, name) ? whole.secrets[name] : undefined,
            );
        } finally {
          local.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a get decrypts only the entry asked for; the others stay unparsed', async () => {
    await box.make().setMany(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, `v${i}`])));
    const reader = box.make();
    await reader.initialize();
    expect((await reader.get('k150'))?.value).toBe('v150');
    expect(await reader.get('missing')).toBeNull();
    expect(reader.metrics()).toMatchObject({ decryptions: 1, fileReads: 1 });
    // A later list needs every entry: parsed from the text already verified, not read again.
    expect(await reader.list()).toHaveLength(200);
    expect(reader.metrics().fileReads).toBe(1);
  });

  it('a file that is not in the canonical layout (CRLF line endings) is read whole, and still verifies', async () => {
    await box.make().setMany({ a: 'one', b: 'two' });
    writeFileSync(box.store, readFileSync(box.store, 'utf8').replace(/\n/g, '\r\n'), { mode: 0o600 });
    expect(readHeader(readFileSync(box.store), box.store)).toBeUndefined();
    const reader = box.make();
    expect((await reader.get('b'))?.value).toBe('two');
    expect(await reader.get('c')).toBeNull();
  });

  it('an entry removed, or one changed, by hand fails the file MAC on a single get', async () => {
    await box.make().setMany({ a: 'one', b: 'two', c: 'three' });
    const text = readFileSync(box.store, 'utf8');
    const start = text.indexOf('\n    "b": {');
    const end = text.indexOf('\n    }', start) + 6;
    // Entry b cut out, the layout otherwise intact: the file MAC no longer matches.
    writeFileSync(box.store, text.slice(0, start) + text.slice(end + 1), { mode: 0o600 });
    expect((await thrown(() => box.make().get('a'))).message).toContain('file MAC');
    // A tag changed in place.
    writeFileSync(box.store, text.replace('"a": {\n', '"a": {\n      "tags": {"team": "x"},\n'), {
      mode: 0o600,
    });
    expect((await thrown(() => box.make().get('a'))).message).toContain('file MAC');
  });
});
