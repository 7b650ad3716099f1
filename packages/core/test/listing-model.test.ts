import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../src/glob.js';
import { mergeListings } from '../src/listing.js';
import { SecretManager } from '../src/manager.js';
import { READ_ONLY_CAPABILITIES, type SecretProvider } from '../src/provider.js';
import type { SecretInfo } from '../src/secret.js';
import { tagsMatch } from '../src/tags.js';
import type { ListSecretsOptions } from '../src/types.js';

/** A provider that lists what it is given, in the order given, duplicates included. */
function listing(name: string, entries: SecretInfo[]): SecretProvider {
  return {
    name,
    kind: 'listing',
    capabilities: READ_ONLY_CAPABILITIES,
    get: async () => null,
    list: async () => entries.map((entry) => ({ ...entry, provider: name })),
  };
}

/**
 * The listing as a plain model: every name once, from the first provider (and its first entry)
 * that lists it, then filtered, then sorted by UTF-16 code units.
 */
function model(lists: SecretInfo[][], opts: ListSecretsOptions, now: number): string[] {
  const byName = new Map<string, SecretInfo>();
  for (const list of lists) for (const info of list) if (!byName.has(info.key)) byName.set(info.key, info);
  return [...byName.values()]
    .filter(
      (info) =>
        (!opts.prefix || info.key.startsWith(opts.prefix)) &&
        (!opts.pattern || matchesGlob(info.key, opts.pattern)) &&
        (opts.scope === undefined || (info.scope ?? 'global') === opts.scope) &&
        tagsMatch(info.tags, opts.tags) &&
        (opts.includeExpired || info.expiresAt === undefined || info.expiresAt.getTime() > now),
    )
    .map((info) => `${info.key}@${info.provider}:${info.version}`)
    .sort((a, b) => {
      const [ka, kb] = [a.slice(0, a.indexOf('@')), b.slice(0, b.indexOf('@'))];
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

const NOW = Date.now();
const name = fc.constantFrom('a', 'b', 'a/b', 'a-b', 'B', 'é', '𝄞', 'ｚ', '10', '9', 'api/key');
const entry = (version: number) =>
  fc.record({
    key: name,
    version: fc.constant(String(version)),
    scope: fc.option(fc.constantFrom('global', 'user'), { nil: undefined }),
    tags: fc.constantFrom<Record<string, string>>({}, { env: 'prod' }, { env: 'dev' }),
    expired: fc.boolean(),
  });
const providerList = fc
  .array(fc.nat(), { maxLength: 8 })
  .chain((seeds) => fc.tuple(...seeds.map((_, i) => entry(i + 1))))
  .map((entries) =>
    entries.map(
      ({ expired, scope, ...rest }): SecretInfo => ({
        ...rest,
        createdAt: new Date(NOW - 1000),
        updatedAt: new Date(NOW - 1000),
        ...(expired ? { expiresAt: new Date(NOW - 1) } : {}),
        ...(scope !== undefined ? { scope } : {}),
        metadata: {},
        provider: '',
      }),
    ),
  );
const options = fc.record(
  {
    prefix: fc.constantFrom('a', 'api/', '1'),
    pattern: fc.constantFrom('a*', '*b', 'api/*'),
    scope: fc.constantFrom('global', 'user'),
    tags: fc.constantFrom({ env: 'prod' }),
    includeExpired: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('listSecrets across providers (model)', () => {
  it('lists each name once, from the first provider that has it, filtered, in code-unit order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(providerList, { minLength: 1, maxLength: 3 }),
        options,
        async (lists, opts) => {
          const named = lists.map((list, i) => list.map((info) => ({ ...info, provider: `p${i}` })));
          const manager = new SecretManager({
            providers: named.map((list, i) => listing(`p${i}`, list)),
          });
          const listed = await manager.listSecrets(opts);
          expect(listed.map((info) => `${info.key}@${info.provider}:${info.version}`)).toEqual(
            model(named, opts, Date.now()),
          );
          for (const info of listed) expect(info.name).toBe(info.key);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mergeListings gives the same listing from the providers' own lists", () => {
    fc.assert(
      fc.property(fc.array(providerList, { minLength: 0, maxLength: 3 }), options, (lists, opts) => {
        const named = lists.map((list, i) => list.map((info) => ({ ...info, provider: `p${i}` })));
        const merged = mergeListings(named, opts);
        expect(merged.map((info) => `${info.key}@${info.provider}:${info.version}`)).toEqual(
          model(named, opts, Date.now()),
        );
      }),
      { numRuns: 300 },
    );
  });
});
