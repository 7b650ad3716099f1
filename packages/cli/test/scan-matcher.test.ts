import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContentScan } from '../src/scan/content.js';
import { formsOf, KeyedMatcher } from '../src/scan/matcher.js';

// A small alphabet makes values overlap, repeat inside each other and share blocks, which is
// where a search that jumps ahead could step over a match.
const piece = fc.string({
  unit: fc.constantFrom('a', 'b', 'c', '1', '=', '\n'),
  minLength: 0,
  maxLength: 12,
});
const value = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', 'x'), minLength: 6, maxLength: 40 });

const text = (values: string[]) =>
  fc
    .array(
      fc.oneof(
        piece,
        fc.constantFrom(...values.flatMap((v) => formsOf(v, 6).map((f) => f.form))),
        fc.constantFrom(...values),
      ),
      { maxLength: 30 },
    )
    .map((parts) => Buffer.from(parts.join('')));

/** Every place where a form starts, found by `indexOf`: what the matcher must report. */
function naive(values: string[], bytes: Buffer): string[] {
  const out: string[] = [];
  values.forEach((v, i) => {
    for (const { kind, form } of formsOf(v, 6)) {
      const needle = Buffer.from(form);
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1))
        out.push(`${at}:${needle.length}:s${i}:${kind}`);
    }
  });
  return out.sort();
}

describe('the keyed matcher: what it finds is exactly what a plain search finds', () => {
  it('every form at every position, however the text jumps', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(value, { minLength: 1, maxLength: 4 })
          .chain((values) => fc.tuple(fc.constant(values), text(values))),
        ([values, bytes]) => {
          const matcher = new KeyedMatcher(
            values.map((v, i) => ({ name: `s${i}`, version: '1', value: v })),
            { minLength: 6 },
          );
          const found: string[] = [];
          matcher.scan(bytes, 0, bytes.length, (at, length, refs) => {
            for (const ref of refs) found.push(`${at}:${length}:${ref.secret}:${ref.encoding}`);
          });
          expect(found.sort()).toEqual(naive(values, bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a file read in chunks of any size gives the matches of the whole file, with lines and columns', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(value, { minLength: 1, maxLength: 3 })
          .chain((values) =>
            fc.tuple(
              fc.constant(values),
              text(values),
              fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 20 }),
            ),
          ),
        ([values, bytes, cuts]) => {
          const matcher = new KeyedMatcher(
            values.map((v, i) => ({ name: `s${i}`, version: '1', value: v })),
            { minLength: 6 },
          );
          const whole = new ContentScan(matcher);
          whole.push(bytes);
          const chunked = new ContentScan(matcher);
          let at = 0;
          for (const cut of cuts) {
            chunked.push(bytes.subarray(at, at + cut));
            at = Math.min(bytes.length, at + cut);
          }
          chunked.push(bytes.subarray(at));
          expect(chunked.end()).toEqual(whole.end());
        },
      ),
      { numRuns: 200 },
    );
  });
});
