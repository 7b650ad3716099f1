import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PatternSet } from '../src/pattern-set.js';

/** Every maximal run of bytes covered by some pattern (matches may overlap). */
function naiveRuns(text: string, patterns: string[]): Array<[number, number]> {
  const covered = new Array<boolean>(text.length).fill(false);
  for (const p of patterns)
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1))
      for (let i = at; i < at + p.length; i++) covered[i] = true;
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) continue;
    if (i > 0 && covered[i - 1]) runs.at(-1)![1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/** The first position from which the rest of the text is a proper prefix of some pattern. */
function naiveHold(text: string, patterns: string[]): number {
  for (let q = 0; q < text.length; q++) {
    const rest = text.slice(q);
    if (patterns.some((p) => p.length > rest.length && p.startsWith(rest))) return q;
  }
  return text.length;
}

describe('PatternSet with a shallow trie floor (long patterns sharing long prefixes)', () => {
  it('scans and holds back as a naive reference does, through adds and removes, at any floor depth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.uniqueArray(fc.stringMatching(/^[ab]{3,14}$/), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.stringMatching(/^[abx]{0,40}$/),
        (depth, patterns, removals, text) => {
          const set = new PatternSet(depth);
          for (const p of patterns) set.add(Buffer.from(p));
          const kept = [...patterns];
          for (const r of removals) {
            if (kept.length <= 1) break;
            const [gone] = kept.splice(r % kept.length, 1);
            set.remove(Buffer.from(gone!));
          }
          const input = Buffer.from(text);
          const runs: Array<[number, number]> = [];
          set.scan(input, 0, input.length, (start, end) => runs.push([start, end]));
          expect(runs).toEqual(naiveRuns(text, kept));
          expect(set.holdFrom(input)).toBe(naiveHold(text, kept));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps one node per byte only down to its floor: a long pattern and its long-prefixed twin', () => {
    const long = 'a'.repeat(5000);
    const set = new PatternSet(16);
    set.add(Buffer.from(`${long}=`));
    set.add(Buffer.from(long));
    set.add(Buffer.from(`${long}==`));
    const runs: Array<[number, number]> = [];
    const input = Buffer.from(`x${long}=y`);
    set.scan(input, 0, input.length, (start, end) => runs.push([start, end]));
    expect(runs).toEqual([[1, 5002]]);
    expect(set.holdFrom(Buffer.from(`x${'a'.repeat(4000)}`))).toBe(1);
  });
});
