import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError } from '@hush/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalSecretProvider } from '../src/provider.js';
import type { StateFile } from '../src/state.js';
import { RACY_MS } from '../src/verified-stamp.js';
import { type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const PLANTED = 'planted-noted-Value-3c91';

/** A clock RACY_MS past the store's last change: what the real clock reads two seconds later. */
function later(local: Sandbox): () => number {
  return () => statSync(local.store).ctimeMs + RACY_MS;
}

function state(local: Sandbox): StateFile {
  return JSON.parse(readFileSync(join(local.dir, '.hush', 'state.json'), 'utf8')) as StateFile;
}

function notes(local: Sandbox) {
  return Object.values(state(local).stores).flatMap((entry) => (entry.verified ? [entry.verified] : []));
}

function reader(local: Sandbox, now = later(local)): LocalSecretProvider {
  return local.make({ syncReads: true, now });
}

/**
 * Writes `bytes` over the store in place (same inode), as an editor or an attacker would, and
 * again until the kernel's coarse file clock has moved past the file's last change: any real
 * write after a note comes at least RACY_MS after that change.
 */
function writeInPlace(path: string, bytes: Buffer): void {
  const before = statSync(path).ctimeMs;
  do
    writeFileSync(path, bytes); // truncates and writes the same inode
  while (statSync(path).ctimeMs === before);
}

/** The store with one byte of a secret's metadata line (inside the file MAC) changed, same size. */
function flipped(bytes: Buffer, name: string): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(`"${name}":{`) + 1;
  copy[at] = copy[at] === 0x61 ? 0x62 : 0x61;
  return copy;
}

describe('notes of verified reads', () => {
  it('notes a verified read of a settled file, and answers the next read from the note', async () => {
    await box.make().setMany({ 'db/url': PLANTED, other: 'x' });
    const first = reader(box);
    expect((await first.getOnce('db/url'))?.value).toBe(PLANTED);
    expect(first.metrics().notedReads).toBe(0);
    expect(notes(box)).toHaveLength(1);
    expect(JSON.stringify(state(box))).not.toContain(PLANTED);

    const next = reader(box);
    expect((await next.getOnce('db/url'))?.value).toBe(PLANTED);
    expect(await next.getOnce('missing')).toBeNull();
    expect(next.metrics().notedReads).toBe(2);
  });

  it('writes no note for a file changed less than RACY_MS ago', async () => {
    await box.make().set('a', PLANTED);
    const now = () => statSync(box.store).ctimeMs + RACY_MS - 1;
    expect((await reader(box, now).getOnce('a'))?.value).toBe(PLANTED);
    expect(notes(box)).toHaveLength(0);
  });

  it('never vouches for a file written since: a change in place is verified, and refused', async () => {
    await box.make().setMany({ 'db/url': PLANTED, other: 'x' });
    await reader(box).getOnce('db/url');
    const good = readFileSync(box.store);
    writeInPlace(box.store, flipped(good, 'other'));
    const viaGet = await thrown(() => box.make({ syncReads: true }).get('db/url'));
    const viaOnce = await thrown(() => reader(box).getOnce('db/url'));
    expect(viaOnce).toBeInstanceOf(IntegrityError);
    expect(viaOnce.message).toBe(viaGet.message);

    // The same bytes put back: a new change, verified again rather than taken from the old note.
    writeInPlace(box.store, good);
    const again = reader(box);
    expect((await again.getOnce('db/url'))?.value).toBe(PLANTED);
    expect(again.metrics().notedReads).toBe(0);
  });

  it('ignores a note it did not sign, or one moved to another file', async () => {
    await box.make().setMany({ a: PLANTED, b: 'other' });
    await reader(box).getOnce('a');
    const path = join(box.dir, '.hush', 'state.json');
    const original = readFileSync(path, 'utf8');
    const doc = state(box);
    const entry = Object.values(doc.stores)[0]!;
    entry.verified!.layout = [entry.verified!.layout[0] - 1, ...entry.verified!.layout.slice(1)] as never;
    writeFileSync(path, JSON.stringify(doc));
    const forged = reader(box);
    expect((await forged.getOnce('a'))?.value).toBe(PLANTED);
    expect(forged.metrics().notedReads).toBe(0);

    writeFileSync(path, original);
    writeFileSync(box.store, readFileSync(box.store)); // same bytes, another change
    const moved = reader(box);
    expect((await moved.getOnce('b'))?.value).toBe('other');
    expect(moved.metrics().notedReads).toBe(0);
  });

  it('a note of an older generation is never used, and never sets the generation back', async () => {
    const writer = box.make();
    await writer.set('a', 'one');
    await reader(box).getOnce('a');
    await writer.set('a', PLANTED);
    const after = reader(box);
    expect((await after.getOnce('a'))?.value).toBe(PLANTED);
    expect(after.metrics().notedReads).toBe(0);
    expect(Object.values(state(box).stores)[0]?.generation).toBe(2);
  });

  // Model: whatever happens to the file (writes by hush, changes in place, bytes put back) and
  // whenever the clock lets a note be written, getOnce answers exactly as a whole read does.
  it('answers as a whole read does, whatever happens to the file (property)', async () => {
    const names = ['a', 'b/c', 'd'];
    // Reads and settling weigh more: a note is written by a read of a settled file, used by the next.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), name: fc.constantFrom(...names), value: fc.nat(9) }),
      fc.record({ kind: fc.constant('tamper' as const), name: fc.constantFrom(...names) }),
      fc.constant({ kind: 'restore' as const }),
      { arbitrary: fc.constant({ kind: 'settle' as const }), weight: 2 },
      {
        arbitrary: fc.record({ kind: fc.constant('read' as const), name: fc.constantFrom(...names, 'none') }),
        weight: 3,
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const local = sandbox();
        try {
          let settled = false;
          const now = () => statSync(local.store).ctimeMs + (settled ? RACY_MS : 0);
          await local.make().setMany(Object.fromEntries(names.map((n) => [n, `${PLANTED}-${n}`])));
          let good = readFileSync(local.store);
          for (const s of steps) {
            if (s.kind === 'set') {
              await local
                .make()
                .set(s.name, `v${s.value}`)
                .catch(() => {});
              settled = false;
            } else if (s.kind === 'tamper') {
              good = readFileSync(local.store);
              writeInPlace(local.store, flipped(good, s.name));
              settled = false;
            } else if (s.kind === 'restore') {
              writeInPlace(local.store, good);
              settled = false;
            } else if (s.kind === 'settle') {
              settled = true;
            } else {
              const expected = await outcome(() => local.make({ syncReads: true }).get(s.name));
              expect(await outcome(() => local.make({ syncReads: true, now }).getOnce(s.name))).toEqual(
                expected,
              );
            }
          }
        } finally {
          local.cleanup();
        }
      }),
      { numRuns: 100 },
    );
  });
});

async function outcome(read: () => Promise<{ value: string } | null>): Promise<string> {
  try {
    return `value ${(await read())?.value ?? 'none'}`;
  } catch (error) {
    return `error ${(error as Error).message}`;
  }
}
