import { readFileSync } from 'node:fs';
import type { SecretInfo } from '@hush/core';
import { IntegrityError } from '@hush/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ListingColumns, listInfos } from '../src/listing.js';
import { listLines } from '../src/listing-lines.js';
import type { StoredSecret } from '../src/store-file.js';
import { type Layout, layoutBytes, readLayout, readMetas } from '../src/store-lines.js';
import { LinesView } from '../src/store-view.js';
import { readDoc, type Sandbox, sandbox } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

/** The listing of a section as the whole parse makes it: what `listLines` must equal. */
const whole = (bytes: Buffer, layout: Layout, prefix = '') =>
  listInfos('local', readMetas(bytes, layout), prefix, 'store');

/** Both listings, compared as values and as JSON (which also sees the order of fields). */
function expectSameListing(bytes: Buffer, layout: Layout, prefix = ''): void {
  const lines = listLines(bytes, layout, 'local', prefix, 'store');
  const parsed = whole(bytes, layout, prefix);
  expect(lines).toBeDefined();
  expect(lines).toEqual(parsed);
  expect(JSON.stringify(lines)).toBe(JSON.stringify(parsed));
  expect(asRows(columnsOf(bytes, layout, prefix))).toEqual(rowsOf(parsed));
}

/** The listing as columns, read as `LocalSecretProvider.listColumns` reads it. */
const columnsOf = (bytes: Buffer, layout: Layout, prefix = '') =>
  new LinesView({} as never, bytes, layout, 'store').columns(prefix);

/** What a table of the listing shows of each secret, from descriptions... */
const rowsOf = (infos: SecretInfo[]) =>
  infos.map((info) => ({
    key: info.key,
    version: info.version,
    updatedAt: info.updatedAt.getTime(),
    expiresAt: info.expiresAt?.getTime(),
    tags: Object.keys(info.tags).length ? info.tags : undefined,
  }));

/** ...and from columns, the dates read as `new Date` reads them. */
const asRows = (columns: ListingColumns) =>
  columns.keys.map((key, i) => ({
    key,
    version: columns.versions[i],
    updatedAt: new Date(columns.updatedAt[i]!).getTime(),
    expiresAt: columns.expiresAt[i] === undefined ? undefined : new Date(columns.expiresAt[i]!).getTime(),
    tags: columns.tags[i],
  }));

/** A `secrets` section of the given lines, as bytes and the layout that points at it. */
function section(lines: string[]): { bytes: Buffer; layout: Layout } {
  const text = lines.length ? `${lines.join(',\n')}\n` : '';
  const bytes = Buffer.from(`{\n${text}}`);
  return { bytes, layout: { meta: [2, bytes.length - 1] } as Layout };
}

const iso = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
// Any text: quotes, backslashes, control characters and non-ASCII make the writer escape them.
const text = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', 'a"b', 'c\\d', 'e\nf', 'é', '𝄞', '42'),
);
const pairs = fc.option(fc.dictionary(text, text, { maxKeys: 3 }), { nil: undefined });
const entry = fc.record(
  {
    createdAt: iso,
    scope: fc.option(fc.constantFrom('global', 'user', 'agent', 'odd "scope"'), { nil: undefined }),
    tags: pairs,
    metadata: pairs,
    versions: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
    dates: fc.array(fc.tuple(iso, fc.option(fc.oneof(iso, fc.constant('')), { nil: undefined })), {
      minLength: 4,
      maxLength: 4,
    }),
  },
  { requiredKeys: ['createdAt', 'versions', 'dates'] },
);
const names = fc.uniqueArray(fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9/._-]{0,10}$/), text), {
  minLength: 0,
  maxLength: 12,
});

describe('the listing read from the lines of the secrets section', () => {
  it('is the listing the whole parse makes, for entries of every shape the writer writes', async () => {
    await box.make().set('seed', 'value');
    const doc = readDoc(box.store);
    await fc.assert(
      fc.property(
        names,
        fc.array(entry, { minLength: 12, maxLength: 12 }),
        fc.constantFrom('', 'a', 'sec'),
        (keys, entries, prefix) => {
          const secrets: Record<string, StoredSecret> = Object.create(null);
          keys.forEach((name, i) => {
            const e = entries[i]!;
            const versions: StoredSecret['versions'] = {};
            e.versions.forEach((n, j) => {
              const [createdAt, expiresAt] = e.dates[j]!;
              versions[n] = {
                createdAt,
                ...(expiresAt !== undefined ? { expiresAt } : {}),
                iv: 'i',
                ct: 'c',
                tag: 't',
              };
            });
            secrets[name] = {
              createdAt: e.createdAt,
              ...(e.scope !== undefined ? { scope: e.scope } : {}),
              ...(e.tags ? { tags: e.tags } : {}),
              ...(e.metadata ? { metadata: e.metadata } : {}),
              versions,
            };
          });
          const { bytes } = layoutBytes({ ...doc, secrets }, doc.mac);
          const layout = readLayout(bytes, 'store')!;
          const lines = listLines(bytes, layout, 'local', prefix, 'store');
          const parsed = whole(bytes, layout, prefix);
          // Names that the byte order of the file sorts otherwise are left to the whole parse.
          expect(lines ?? parsed).toEqual(parsed);
          expect(JSON.stringify(lines ?? parsed)).toBe(JSON.stringify(parsed));
          // The columns, whichever way they were read (a section left to the whole parse too).
          expect(asRows(columnsOf(bytes, layout, prefix))).toEqual(rowsOf(parsed));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a store hush wrote with plain names without a whole parse', async () => {
    await box.make().setMany(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k/${i}`, `v${i}`])));
    await box.make().set('k/7', 'again', { tags: { team: 'web' }, expiresAt: new Date('2099-01-01') });
    const bytes = readFileSync(box.store);
    const layout = readLayout(bytes, box.store)!;
    expectSameListing(bytes, layout);
    expectSameListing(bytes, layout, 'k/1');
    // The provider's own columns: the same rows as its list, before and after a write (a store
    // this process wrote is listed from the document it holds).
    const provider = box.make();
    for (const prefix of ['', 'k/1']) {
      expect(asRows(await provider.listColumns({ prefix }))).toEqual(rowsOf(await provider.list({ prefix })));
    }
    await provider.set('k/8', 'v', { tags: { a: 'b' } });
    const rows = asRows(await provider.listColumns());
    expect(rows).toEqual(rowsOf(await provider.list()));
    expect(rows.find((row) => row.key === 'k/8')?.tags).toEqual({ a: 'b' });
    expect(listLines(bytes, layout, 'local', '', 'store')![7]).toMatchObject({
      key: 'k/15',
      version: '1',
    });
  });

  it('reads lines spelled otherwise (fields reordered, spaces, escapes) as the whole parse does', () => {
    const one = '"versions":{"1":{"createdAt":"2026-01-01T00:00:00.000Z"}}';
    const { bytes, layout } = section([
      `"a":{"createdAt":"2025-01-01T00:00:00.000Z",${one}}`,
      `"b":{${one},"createdAt":"2025-02-01T00:00:00.000Z"}`,
      `"c": { "createdAt" : "2025-03-01T00:00:00.000Z", ${one} }`,
      `"d":{"createdAt":"x","tags":{"__proto__":"p","2":"n","a":"b"},"metadata":{"z":"1","a":"2"},${one}}`,
      `"d\\u0041":{"createdAt":"2025-04-01T00:00:00.000Z","scope":"user",${one}}`,
      `"e":{"createdAt":"2025-05-01T00:00:00.000Z","versions":{"3":{"createdAt":"2026-03-01T00:00:00.000Z"},"1":{"createdAt":"2026-01-01T00:00:00.000Z","expiresAt":"2026-02-01T00:00:00.000Z"}}}`,
      `"f":{"createdAt":"2025-06-01T00:00:00.000Z","versions":{"1":{"createdAt":"2026-01-01T00:00:00.000Z","expiresAt":""}}}`,
      `"g":{"createdAt":"2025-07-01T00:00:00.000Z",${one}}  `,
    ]);
    expectSameListing(bytes, layout);
    const listed = listLines(bytes, layout, 'local', '', 'store')!;
    expect(listed.map((info) => info.key)).toEqual(['a', 'b', 'c', 'd', 'dA', 'e', 'f', 'g']);
    expect(Object.getPrototypeOf(listed[3]!.tags)).toBe(Object.prototype);
    expect(Object.keys(listed[3]!.tags)).toEqual(['2', '__proto__', 'a']);
    expect(listed[5]).toMatchObject({ version: '3' });
    expect(listed[5]!.expiresAt).toBeUndefined();
  });

  it('leaves a section it cannot vouch for to the whole parse', () => {
    const line = (name: string) =>
      `"${name}":{"createdAt":"2025-01-01T00:00:00.000Z","versions":{"1":{"createdAt":"2026-01-01T00:00:00.000Z"}}}`;
    const cases = [
      [line('b'), line('a')], // out of order
      [line('a'), line('a')], // a name twice
      [`${line('a')},${line('b')}`], // two entries on one line
    ];
    for (const lines of cases) {
      const { bytes, layout } = section(lines);
      expect(listLines(bytes, layout, 'local', '', 'store')).toBeUndefined();
      expect(asRows(columnsOf(bytes, layout))).toEqual(rowsOf(whole(bytes, layout)));
    }
    // A comma after the last line, none between two lines, a line cut short.
    for (const text of [`${line('a')},\n`, `${line('a')}\n${line('b')}\n`, `${line('a')}`, '"a":{\n']) {
      const bytes = Buffer.from(`{\n${text}}`);
      expect(
        listLines(bytes, { meta: [2, bytes.length - 1] } as Layout, 'local', '', 'store'),
      ).toBeUndefined();
    }
    const empty = section([]);
    expect(listLines(empty.bytes, empty.layout, 'local', '', 'store')).toEqual([]);
    expect(columnsOf(empty.bytes, empty.layout).keys).toEqual([]);
  });

  it('fails a malformed entry as the whole parse fails it, naming the entry', () => {
    const bad = [
      '"m":{"createdAt":"2025-01-01T00:00:00.000Z","versions":{"01":{"createdAt":"2026-01-01T00:00:00.000Z"}}}',
      '"m":{"createdAt":"2025-01-01T00:00:00.000Z","versions":{}}',
      '"m":{"createdAt":5,"versions":{"1":{"createdAt":"2026-01-01T00:00:00.000Z"}}}',
      '"m":{"createdAt":"2025-01-01T00:00:00.000Z","tags":{"a":1},"versions":{"1":{"createdAt":"x"}}}',
      '"m":{"createdAt":"2025-01-01T00:00:00.000Z","versions":{"1":{"createdAt":"x","expiresAt":7}}}',
    ];
    for (const line of bad) {
      const { bytes, layout } = section([line]);
      let expected: unknown;
      try {
        whole(bytes, layout);
      } catch (error) {
        expected = error;
      }
      expect(expected).toBeInstanceOf(IntegrityError);
      expect(() => listLines(bytes, layout, 'local', '', 'store')).toThrow((expected as Error).message);
      expect(() => columnsOf(bytes, layout)).toThrow((expected as Error).message);
    }
  });
});
