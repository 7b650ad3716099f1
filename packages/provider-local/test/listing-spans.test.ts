import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { IntegrityError } from '@hush/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ListingColumns, metaColumns } from '../src/listing.js';
import { type ListingSpans, readSpans } from '../src/listing-spans.js';
import type { StoredSecret } from '../src/store-file.js';
import { layoutBytes, readLayout, readMetas } from '../src/store-lines.js';
import { RACY_MS } from '../src/verified-stamp.js';
import { readDoc, type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

/** Each listed secret as the text its spans point at: what the columns of a whole parse must hold. */
function rowsOfSpans(spans: ListingSpans) {
  const text = Buffer.from(spans.text).toString('latin1');
  return Array.from({ length: spans.count }, (_, i) => ({
    key: text.slice(spans.nameStart[i], spans.nameEnd[i]),
    version: text.slice(spans.versionStart[i], spans.versionEnd[i]),
    updatedAt: text.slice(spans.updatedAt[i], spans.updatedAt[i]! + 24),
    expiresAt: spans.expiresAt[i]! < 0 ? undefined : text.slice(spans.expiresAt[i], spans.expiresAt[i]! + 24),
    tags: undefined,
  }));
}

const rowsOfColumns = (columns: ListingColumns) =>
  columns.keys.map((key, i) => ({
    key,
    version: columns.versions[i],
    updatedAt: columns.updatedAt[i],
    expiresAt: columns.expiresAt[i],
    tags: columns.tags[i],
  }));

/** A store file of these secrets, as hush lays it out, and its `secrets` section. */
function storeOf(secrets: Record<string, StoredSecret>) {
  const doc = readDoc(box.store);
  const { bytes } = layoutBytes({ ...doc, secrets }, doc.mac);
  const layout = readLayout(bytes, 'store')!;
  return { bytes, layout, section: bytes.subarray(layout.meta[0], layout.meta[1]) };
}

const sealed = { iv: 'i', ct: 'c', tag: 't' };
const plainSecret = (createdAt: string, expiresAt?: string, version = 1): StoredSecret => ({
  createdAt,
  versions: { [version]: { createdAt, ...(expiresAt !== undefined ? { expiresAt } : {}), ...sealed } },
});

// Dates as toISOString writes them, with the last days of months (where Date would roll over a
// day the month lacks) and years outside 2000-2100 more often than chance would give them.
const iso = fc
  .oneof(
    fc.date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc
      .tuple(
        fc.integer({ min: 1990, max: 2040 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 28, max: 31 }),
      )
      .map(
        ([y, m, d]) => new Date(Date.UTC(y, m, Math.min(d, new Date(Date.UTC(y, m + 1, 0)).getUTCDate()))),
      ),
  )
  .map((d) => d.toISOString());
// Dates a hand might write: a day the month lacks, no milliseconds, an offset, a blank.
const odd = fc.constantFrom(
  '2026-02-30T00:00:00.000Z',
  '2026-04-31T12:00:00.000Z',
  '2025-02-29T00:00:00.000Z',
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.000+01:00',
  '',
);
const name = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9/._-]{0,12}$/), weight: 4 },
  fc.constantFrom('é', 'a"b', 'c\\d', '42', 'Zed', '~tilde'),
);
const entry = fc.record({
  createdAt: iso,
  updated: fc.oneof({ arbitrary: iso, weight: 6 }, odd),
  expires: fc.option(fc.oneof({ arbitrary: iso, weight: 6 }, odd), { nil: undefined, freq: 3 }),
  version: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, fc.integer({ min: 2, max: 1_000_000 })),
  tags: fc.option(fc.constant({ team: 'web' }), { nil: undefined, freq: 1 }),
});

describe('the listing as places in the text of the secrets section', () => {
  it('points at what a whole parse lists, and declines what it cannot vouch for (property)', async () => {
    await box.make().set('seed', 'value');
    let read = 0;
    await fc.assert(
      fc.property(
        fc.uniqueArray(name, { maxLength: 12 }),
        fc.array(entry, { minLength: 12, maxLength: 12 }),
        fc.constantFrom('', 'a', 'db/'),
        (names, entries, prefix) => {
          const secrets: Record<string, StoredSecret> = Object.create(null);
          names.forEach((key, i) => {
            const e = entries[i]!;
            const secret = plainSecret(e.updated, e.expires, e.version);
            secrets[key] = { ...secret, createdAt: e.createdAt, ...(e.tags ? { tags: e.tags } : {}) };
          });
          const { bytes, layout, section } = storeOf(secrets);
          const spans = readSpans(section, prefix);
          if (spans === undefined) {
            // Declined only for what the plain reader does not read: never a plain store.
            const plain = names.every((key, i) => {
              const e = entries[i]!;
              return (
                /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(key) &&
                !e.tags &&
                canonical(e.updated) &&
                (e.expires === undefined || canonical(e.expires))
              );
            });
            expect(plain).toBe(false);
            return;
          }
          read++;
          for (const row of rowsOfSpans(spans))
            for (const date of [row.updatedAt, row.expiresAt ?? row.updatedAt])
              expect(canonical(date)).toBe(true);
          expect(rowsOfSpans(spans)).toEqual(
            rowsOfColumns(metaColumns(readMetas(bytes, layout), prefix, 'store')),
          );
        },
      ),
      { numRuns: 400 },
    );
    // The property saw both sides.
    expect(read).toBeGreaterThan(20);
  });

  it('reads a store hush wrote, and declines one with tags or a second version', async () => {
    const writer = box.make();
    await writer.setMany(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k/${i}`, `v${i}`])));
    await writer.set('later', 'x', { expiresAt: new Date('2099-01-01T00:00:00Z') });
    const provider = box.make();
    const spans = await provider.listSpans();
    expect(spans?.count).toBe(41);
    expect(rowsOfSpans(spans!)).toEqual(rowsOfColumns(await provider.listColumns()));
    expect(rowsOfSpans((await provider.listSpans({ prefix: 'k/1' }))!).map((row) => row.key)).toEqual(
      (await provider.listColumns({ prefix: 'k/1' })).keys,
    );

    await writer.set('k/3', 'again');
    expect(await box.make().listSpans()).toBeUndefined();
    await writer.delete('k/3');
    await writer.set('tagged', 'y', { tags: { team: 'web' } });
    expect(await box.make().listSpans()).toBeUndefined();
  });

  it('declines lines out of order, a name twice, or commas astray', () => {
    const line = (key: string) =>
      `"${key}":{"createdAt":"2026-01-02T03:04:05.678Z","versions":{"1":{"createdAt":"2026-01-02T03:04:05.678Z"}}}`;
    const section = (lines: string[], join = ',\n') => Buffer.from(`${lines.join(join)}\n`);
    expect(readSpans(section([line('a'), line('b')]), '')?.count).toBe(2);
    expect(readSpans(section([line('b'), line('a')]), '')).toBeUndefined();
    expect(readSpans(section([line('a'), line('a')]), '')).toBeUndefined();
    expect(readSpans(section([line('a'), line('b')], '\n'), '')).toBeUndefined();
    expect(readSpans(Buffer.from(`${line('a')},\n`), '')).toBeUndefined();
    expect(readSpans(Buffer.from(''), '')?.count).toBe(0);
  });

  it('takes a date only when Date reads it as written: every day of leap and common years', () => {
    const line = (date: string) =>
      Buffer.from(`"a":{"createdAt":"${date}","versions":{"1":{"createdAt":"${date}"}}}\n`);
    for (const year of ['0000', '1900', '2000', '2023', '2024', '2100', '2400', '9999'])
      for (let month = 0; month <= 13; month++)
        for (let day = 0; day <= 32; day++) {
          const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.999Z`;
          expect(readSpans(line(date), '') !== undefined, date).toBe(canonical(date));
        }
    for (const time of ['24:00:00.000', '23:60:00.000', '23:59:60.000', '00:00:00.00', '00:00:00'])
      expect(readSpans(line(`2024-01-01T${time}Z`), '')).toBeUndefined();
  });

  it('is undefined for an absent store', async () => {
    expect(await box.make().listSpans()).toBeUndefined();
  });
});

describe('a listing read once, as a short command reads it', () => {
  const settled = () => statSync(box.store).ctimeMs + RACY_MS;

  it('reads only the listing under a note of an earlier verified read', async () => {
    await box.make().setMany({ a: 'one', b: 'two' });
    const first = box.make({ syncReads: true, now: settled });
    expect((await first.listSpans())?.count).toBe(2);
    expect(first.metrics().notedReads).toBe(0);
    const next = box.make({ syncReads: true, now: settled });
    const spans = await next.listSpans();
    expect(next.metrics().notedReads).toBe(1);
    expect(rowsOfSpans(spans!)).toEqual(rowsOfColumns(await box.make().listColumns()));
  });

  it('refuses a listing changed in place after the note, as list does', async () => {
    await box.make().setMany({ a: 'one', b: 'two' });
    await box.make({ syncReads: true, now: settled }).listSpans();
    const good = readFileSync(box.store);
    const changed = Buffer.from(good);
    const at = changed.indexOf('"b":{') + 1;
    changed[at] = 0x63; // "c": same size, inside the file MAC
    const before = statSync(box.store).ctimeMs;
    do writeFileSync(box.store, changed);
    while (statSync(box.store).ctimeMs === before);
    const viaList = await thrown(() => box.make().list());
    const viaSpans = await thrown(() => box.make({ syncReads: true, now: settled }).listSpans());
    expect(viaSpans).toBeInstanceOf(IntegrityError);
    expect(viaSpans.message).toBe(viaList.message);
  });
});

/** A date as toISOString spells it, and that Date reads as itself. */
function canonical(date: string): boolean {
  const parsed = new Date(date);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === date;
}
