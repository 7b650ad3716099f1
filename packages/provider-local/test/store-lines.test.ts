import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, IntegrityError } from '@hush/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStore } from '../src/store-file.js';
import { readEntry, readLayout, readMetas } from '../src/store-lines.js';
import { editStore, readDoc, type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

// Names of every shape the validator accepts: path segments, dots, dashes, underscores, digits.
const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/);
const names = fc.uniqueArray(
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
  { minLength: 1, maxLength: 25 },
);

const PLANTED = 'planted-lines-Value-4c1d';

describe('one entry read from the v2 layout', () => {
  it('finds exactly the entries a whole parse finds, and nothing else (prefixes of names too)', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.array(segment, { maxLength: 5 }), async (stored, probes) => {
        const local = sandbox();
        try {
          await local.make().setMany(Object.fromEntries(stored.map((n, i) => [n, `value-${i}`])));
          const bytes = readFileSync(local.store);
          const layout = readLayout(bytes, local.store);
          expect(layout).toBeDefined();
          const whole = parseStore(bytes.toString('utf8'), local.store);
          expect(layout!.header.mac).toBe(whole.mac);
          expect(Object.keys(readMetas(bytes, layout!)).sort()).toEqual(Object.keys(whole.secrets).sort());
          const first = stored[0]!;
          for (const name of [
            ...stored,
            ...probes,
            `${first}x`,
            `${first}/x`,
            first.slice(0, -1),
            '__proto__',
          ])
            expect(readEntry(bytes, layout!, name, local.store)).toEqual(
              Object.hasOwn(whole.secrets, name) ? { ...whole.secrets[name] } : undefined,
            );
        } finally {
          local.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a name that is a prefix of another, names such as constructor, and numbers are entries of their own', async () => {
    const stored = {
      a: 'one',
      ab: 'two',
      'a/b': 'three',
      'a.b': 'four',
      constructor: 'five',
      __proto__x: 'six',
      '10': 'seven',
      '9': 'eight',
    };
    await box.make().setMany(stored);
    const reader = box.make();
    for (const [name, value] of Object.entries(stored)) expect((await reader.get(name))?.value).toBe(value);
    expect(await reader.get('abc')).toBeNull();
    expect(await reader.get('__proto__')).toBeNull();
    expect((await reader.list()).map((s) => s.key)).toEqual(Object.keys(stored).sort());
  });

  it('a get decrypts only the entry asked for; list parses no ciphertext and reads nothing again', async () => {
    await box.make().setMany(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, `v${i}`])));
    const reader = box.make();
    await reader.initialize();
    expect((await reader.get('k150'))?.value).toBe('v150');
    expect(await reader.get('missing')).toBeNull();
    expect(reader.metrics()).toMatchObject({ decryptions: 1, fileReads: 1 });
    expect(await reader.list()).toHaveLength(200);
    expect((await reader.getMany(['k1', 'k2', 'nope'])).get('k2')?.value).toBe('v2');
    expect(reader.metrics()).toMatchObject({ decryptions: 3, fileReads: 1 });
  });

  it('the dates and tags of every secret come before any ciphertext', async () => {
    await box.make().setMany({ a: PLANTED, b: 'two' });
    const text = readFileSync(box.store, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\{"format":"hush\.local\/v2",.*"mac":"[A-Za-z0-9+/=]{44}",$/);
    expect(lines.slice(1)).toEqual([
      '"secrets":{',
      expect.stringMatching(/^"a":\{"createdAt":"[^"]+","versions":\{"1":\{"createdAt":"[^"]+"\}\}\},$/),
      expect.stringMatching(/^"b":\{"createdAt".*\}$/),
      '},',
      '"sealed":{',
      expect.stringMatching(/^"a":\{"1":\{"iv":"[^"]+","ct":"[^"]+","tag":"[^"]+"\}\},$/),
      expect.stringMatching(/^"b":\{"1":/),
      '}}',
      '',
    ]);
    expect(text).not.toContain(PLANTED);
    // Still one JSON document.
    expect(Object.keys(JSON.parse(text))).toEqual([
      'format',
      'storeId',
      'kdf',
      'keyCheck',
      'generation',
      'mac',
      'secrets',
      'sealed',
    ]);
  });

  it('with CRLF line endings (git on Windows) the file still verifies and reads', async () => {
    await box.make().setMany({ a: 'one', b: 'two' });
    writeFileSync(box.store, readFileSync(box.store, 'utf8').replace(/\n/g, '\r\n'), { mode: 0o600 });
    const reader = box.make();
    expect((await reader.get('b'))?.value).toBe('two');
    expect(await reader.get('c')).toBeNull();
    expect(await reader.list()).toHaveLength(2);
  });
});

describe('the file MAC of the v2 layout', () => {
  it('a get of one entry fails when another entry ciphertext was altered', async () => {
    await box.make().setMany({ a: PLANTED, b: 'two', c: 'three' });
    editStore(box.store, (doc) => {
      const v = doc.secrets.c.versions['1'];
      v.ct = Buffer.from(
        Buffer.from(v.ct, 'base64').map((byte: number, i: number) => (i === 0 ? byte ^ 1 : byte)),
      ).toString('base64');
    });
    for (const read of [
      (p = box.make()) => p.get('a'),
      (p = box.make()) => p.list(),
      (p = box.make()) => p.get('missing'),
    ]) {
      const error = await thrown(() => read());
      expect(error).toBeInstanceOf(IntegrityError);
      // The entry whose ciphertext no longer authenticates is named.
      expect(error.secretName).toBe('c');
      expect(`${error.message} ${error.hint}`).not.toContain(PLANTED);
    }
  });

  it('an entry removed, one added or a tag changed by hand fails on a single get', async () => {
    await box.make().setMany({ a: PLANTED, b: 'two', c: 'three' });
    const original = readFileSync(box.store, 'utf8');
    const cuts: Array<(text: string) => string> = [
      (t) => t.replace(/\n"b":[^\n]*/g, ''),
      (t) => t.replace('"a":{"createdAt"', '"a":{"tags":{"team":"x"},"createdAt"'),
      (t) =>
        t
          .replace(/\n("c":[^\n]*)/g, ',\n$1')
          .replace(
            /(\n"c":[^\n]*),\n/g,
            '$1,\n"d":{"createdAt":"2026-01-01T00:00:00.000Z","versions":{"1":{"createdAt":"2026-01-01T00:00:00.000Z"}}}\n',
          ),
    ];
    for (const cut of cuts) {
      const changed = cut(original);
      expect(changed).not.toBe(original);
      writeFileSync(box.store, changed, { mode: 0o600 });
      const error = await thrown(() => box.make().get('a'));
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error.message).not.toContain(PLANTED);
    }
  });

  it('a MAC spelled with a bit that base64 decoding ignores is refused, as any other change', async () => {
    await box.make().setMany({ a: PLANTED });
    const original = readFileSync(box.store, 'utf8');
    const mac = /"mac":"([^"]+)"/.exec(original)![1]!;
    // 32 bytes are 43 characters and one '=': the last character carries 4 bits, 2 are ignored.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(mac.at(-2)!);
    const twin = `${mac.slice(0, -2)}${alphabet[last ^ 1]}=`;
    expect(Buffer.from(twin, 'base64').equals(Buffer.from(mac, 'base64'))).toBe(true);
    writeFileSync(box.store, original.replace(mac, twin), { mode: 0o600 });
    const error = await thrown(() => box.make({ statePath: false }).get('a'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).not.toContain(PLANTED);
  });

  it('any one byte changed anywhere fails the read with a typed error that holds no value', async () => {
    await box.make().setMany({ a: PLANTED, b: 'second-planted-value', 'a/b': 'third-planted' });
    const original = readFileSync(box.store);
    const header = original.indexOf(0x0a);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 1 }),
        fc.integer({ min: 0, max: 6 }),
        async (at, bit) => {
          const changed = Buffer.from(original);
          changed[at] = changed[at]! ^ (1 << bit);
          writeFileSync(box.store, changed, { mode: 0o600 });
          const error = await thrown(() => box.make({ statePath: false }).get('a'));
          // A changed key check or store id reads as the wrong key, a changed format as another
          // version's file: both typed; every byte after the header line fails the integrity check.
          if (at > header) expect(error).toBeInstanceOf(IntegrityError);
          else expect(error instanceof IntegrityError || error instanceof ConfigError).toBe(true);
          for (const value of [PLANTED, 'second-planted-value', 'third-planted'])
            expect(`${error.message} ${error.hint ?? ''}`).not.toContain(value);
        },
      ),
      { numRuns: 60 },
    );
    writeFileSync(box.store, original, { mode: 0o600 });
    expect((await box.make().get('a'))?.value).toBe(PLANTED);
  });
});

describe('a store of the first format (hush.local/v1)', () => {
  // Written by the first format's writer with this key; its values are planted below.
  const FIXTURE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'v1-store.json');
  /** The fixture as the store, private as the provider requires (a checkout gives it mode 0644). */
  const putFixture = () => {
    copyFileSync(FIXTURE, box.store);
    chmodSync(box.store, 0o600);
  };
  const KEY = 'dGVzdC1vbmx5LWtleS1mb3ItdGhlLXYxLWZpeHR1cmU=';
  const VALUES: Record<string, string> = {
    a: 'v1-planted-a',
    'a/b': 'v1-planted-a-slash-b',
    ab: 'v1-planted-ab',
    'api/key': 'v1-planted-api-key-two',
    constructor: 'v1-planted-constructor',
    expiring: 'v1-planted-expiring',
  };
  const open = () => box.make({ masterKey: KEY });
  const snapshot = async () => {
    const p = open();
    const values = Object.fromEntries(
      await Promise.all(Object.keys(VALUES).map(async (n) => [n, (await p.get(n))?.value])),
    );
    return {
      values,
      list: await p.list(),
      versions: await p.listVersions('api/key'),
      old: (await p.get('api/key', { version: '1' }))?.value,
    };
  };
  beforeEach(() => {
    mkdirSync(dirname(box.store), { recursive: true, mode: 0o700 });
    putFixture();
  });

  it('is read as it is, then rewritten as v2 by the first write, nothing lost, its generation honoured', async () => {
    expect(readDoc(box.store)).toMatchObject({ format: 'hush.local/v1', generation: 4 });
    const before = await snapshot();
    expect(before.values).toEqual(VALUES);
    expect(before.old).toBe('v1-planted-api-key-one');
    expect(before.list.find((s) => s.key === 'api/key')).toMatchObject({
      version: '2',
      tags: { env: 'dev', team: 'core' },
      metadata: { owner: 'ops' },
      scope: 'plugin',
    });
    expect(before.list.find((s) => s.key === 'expiring')?.expiresAt).toEqual(
      new Date('2099-01-01T00:00:00Z'),
    );
    // Reading does not rewrite.
    expect(readDoc(box.store).format).toBe('hush.local/v1');

    await open().set('new', 'after-migration');
    const after = readDoc(box.store);
    expect(after).toMatchObject({ format: 'hush.local/v2', generation: 5 });
    expect(readLayout(readFileSync(box.store), box.store)).toBeDefined();
    const migrated = await snapshot();
    expect(migrated.values).toEqual(VALUES);
    expect(migrated.old).toBe(before.old);
    expect(migrated.versions).toEqual(before.versions);
    expect(migrated.list.filter((s) => s.key !== 'new')).toEqual(before.list);
    expect((await open().get('new'))?.value).toBe('after-migration');
    for (const value of Object.values(VALUES)) expect(readFileSync(box.store, 'utf8')).not.toContain(value);

    // The v1 file put back is an older generation than the one seen: refused as a rollback.
    putFixture();
    const error = await thrown(() => open().get('a'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(/generation 4, older than generation 5/);
  });

  it('one secret of a v1 file is read alone; with CRLF line endings the file is read whole, and verifies', async () => {
    const reader = open();
    expect((await reader.get('ab'))?.value).toBe('v1-planted-ab');
    expect(await reader.get('abc')).toBeNull();
    expect(reader.metrics()).toMatchObject({ decryptions: 1, fileReads: 1 });
    writeFileSync(box.store, readFileSync(FIXTURE, 'utf8').replace(/\n/g, '\r\n'), { mode: 0o600 });
    expect((await open().get('a/b'))?.value).toBe('v1-planted-a-slash-b');
    expect(await open().list()).toHaveLength(Object.keys(VALUES).length);
  });

  it('a v1 file older than the generation already seen is refused before it is migrated', async () => {
    const state = join(dirname(box.store), 'state.json');
    const storeId = readDoc(box.store).storeId;
    writeFileSync(
      state,
      JSON.stringify({ format: 'hush.state/v1', stores: { [storeId]: { generation: 9 } } }),
    );
    await expect(open().set('x', 'y')).rejects.toBeInstanceOf(IntegrityError);
    expect(readDoc(box.store).format).toBe('hush.local/v1');
  });

  it('a v1 file with a byte changed is refused, and so is a reseal of a forged entry', async () => {
    const text = readFileSync(box.store, 'utf8');
    writeFileSync(box.store, text.replace('"owner": "ops"', '"owner": "eve"'), { mode: 0o600 });
    expect((await thrown(() => open().get('a'))).message).toContain('file MAC');
    await open().reseal();
    expect(readDoc(box.store).format).toBe('hush.local/v2');
    expect((await open().list()).find((s) => s.key === 'api/key')?.metadata).toEqual({ owner: 'eve' });
    expect((await open().get('ab'))?.value).toBe('v1-planted-ab');
  });
});
