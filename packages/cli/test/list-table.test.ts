import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey, LocalSecretProvider } from '@hush/provider-local';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { colorsFor } from '../src/colors.js';
import { listSpansTable, writeListColumns } from '../src/list-table.js';

// `hush list` of a plain store is printed from places in the store's text (listSpansTable); any
// other from its columns (writeListColumns). A user must not be able to tell which: the bytes of
// both tables are compared for the same stores.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The table writeListColumns prints, as bytes. */
function columnsTable(
  bold: boolean,
  provider: string,
  columns: Parameters<typeof writeListColumns>[2],
): Buffer {
  let text = '';
  const out = {
    colors: colorsFor(bold),
    write: (part: string) => {
      text += part;
    },
    print: (part = '') => {
      text += `${part}\n`;
    },
  };
  writeListColumns(out, provider, columns);
  return Buffer.from(text);
}

const name = fc
  .stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9/._-]{0,24}$/)
  .filter((n) => !/\/\/|\/$|(^|\/)\.\.?(\/|$)/.test(n));
const secret = fc.record({
  name,
  writes: fc.oneof({ arbitrary: fc.constant(1), weight: 15 }, fc.constant(2)),
  expires: fc.option(
    fc.date({
      min: new Date('2091-01-01T00:00:00Z'),
      max: new Date('9999-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    {
      nil: undefined,
      freq: 3,
    },
  ),
});

describe('the table of a listing given as places in the store text', () => {
  it('is byte for byte the table of its columns (property)', async () => {
    let printed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(secret, { selector: (s) => s.name, minLength: 1, maxLength: 8 }),
        fc.constantFrom('local', 'a', 'a-much-longer-provider-name', 'tail ', 'é-local', ' '),
        fc.boolean(),
        async (secrets, provider, bold) => {
          const root = mkdtempSync(join(tmpdir(), 'hush-list-table-'));
          dirs.push(root);
          const masterKey = generateMasterKey();
          const writer = new LocalSecretProvider({ root, masterKey, env: {}, name: provider });
          for (const s of secrets) {
            // A second write makes a second version: such a listing is printed from its columns.
            for (let i = 0; i < s.writes; i++) await writer.set(s.name, `v${i}`, { expiresAt: s.expires });
          }
          // Read by another process: the one that wrote lists from the document it holds.
          const store = new LocalSecretProvider({ root, masterKey, env: {}, name: provider });
          const spans = await store.listSpans();
          const columns = await store.listColumns();
          expect(spans === undefined).toBe(secrets.some((s) => s.writes > 1));
          if (!spans) return;
          printed++;
          const bytes = listSpansTable(colorsFor(bold).bold, provider, spans);
          expect(Buffer.from(bytes).toString('utf8')).toBe(
            columnsTable(bold, provider, columns).toString('utf8'),
          );
        },
      ),
      { numRuns: 60 },
    );
    expect(printed).toBeGreaterThan(10);
  }, 60_000);
});
