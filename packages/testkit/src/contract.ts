import { randomBytes } from 'node:crypto';
import {
  InvalidSecretNameError,
  SecretManager,
  type SecretProvider,
  UnsupportedOperationError,
} from '@hush/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What a factory hands the suite. */
export interface ProviderUnderTest {
  provider: SecretProvider;
  /** Plants values; required for read-only providers, which cannot be written through. */
  seed?: (entries: Record<string, string>) => Promise<void> | void;
  cleanup?: () => Promise<void>;
}

export type ProviderFactory = () => Promise<ProviderUnderTest> | ProviderUnderTest;

export interface ContractOptions {
  /** Size of the large-value round trip (default 64 KiB); lower it for backends with a smaller limit. */
  largeValueBytes?: number;
  /** Secrets created to prove listing pages past the backend's page size (default 150). */
  listCount?: number;
  /** Concurrent writes to distinct keys (default 50). */
  concurrentWrites?: number;
  /** Prefix of every name the suite creates (default a random `contract-<hex>`). */
  prefix?: string;
  /** Per-test timeout in ms (default 60 s). */
  timeout?: number;
}

const INVALID_NAMES = [
  '',
  ' ',
  'has space',
  '/leading',
  'trailing/',
  'a//b',
  '../escape',
  'a/../b',
  'tab\tname',
  'x#y',
  '${secret:x}',
];

/**
 * The provider contract: a vitest suite every provider must pass, driven by the capabilities
 * it declares. Names are created under a unique prefix and deleted afterwards where possible,
 * so the suite can run against a shared real server.
 */
export function describeProviderContract(
  name: string,
  factory: ProviderFactory,
  options: ContractOptions = {},
): void {
  const largeValueBytes = options.largeValueBytes ?? 64 * 1024;
  const listCount = options.listCount ?? 150;
  const concurrentWrites = options.concurrentWrites ?? 50;
  const timeout = options.timeout ?? 60_000;
  const prefix = options.prefix ?? `contract-${randomBytes(4).toString('hex')}`;

  describe(`provider contract: ${name}`, () => {
    let subject: ProviderUnderTest;
    let provider: SecretProvider;
    const created = new Set<string>();

    const key = (suffix: string) => `${prefix}/${suffix}`;
    /** Writes through the provider, or plants through `seed` when it is read-only. */
    const put = async (k: string, value: string) => {
      created.add(k);
      if (provider.capabilities.write) return provider.set!(k, value, {});
      if (!subject.seed) throw new Error(`read-only provider '${name}' needs a seed() in its factory`);
      await subject.seed({ [k]: value });
      return undefined;
    };
    const value = async (k: string) => (await provider.get(k))?.value;

    beforeAll(async () => {
      subject = await factory();
      provider = subject.provider;
      await provider.initialize?.();
    }, timeout);

    afterAll(async () => {
      if (provider?.capabilities.delete && provider.delete)
        for (const k of created) await provider.delete(k, { permanent: true }).catch(() => undefined);
      await provider?.dispose?.();
      await subject?.cleanup?.();
    }, timeout * 4);

    describe('reading', () => {
      it('declares its name, kind and capabilities', () => {
        expect(typeof provider.name).toBe('string');
        expect(provider.name.length).toBeGreaterThan(0);
        expect(typeof provider.kind).toBe('string');
        for (const capability of [
          'write',
          'delete',
          'list',
          'versions',
          'tags',
          'expiry',
          'batchGet',
        ] as const)
          expect(typeof provider.capabilities[capability]).toBe('boolean');
        if (provider.capabilities.batchGet) expect(typeof provider.getMany).toBe('function');
        if (provider.capabilities.write) expect(typeof provider.set).toBe('function');
        if (provider.capabilities.delete) expect(typeof provider.delete).toBe('function');
        if (provider.capabilities.list) expect(typeof provider.list).toBe('function');
        if (provider.capabilities.versions) expect(typeof provider.listVersions).toBe('function');
      });

      it(
        'returns null for a secret that does not exist',
        async () => {
          expect(await provider.get(key('does-not-exist'))).toBeNull();
        },
        timeout,
      );

      it(
        'tells "not found" from "found but empty"',
        async () => {
          await put(key('empty'), '');
          const empty = await provider.get(key('empty'));
          expect(empty).not.toBeNull();
          expect(empty!.value).toBe('');
          expect(await provider.get(key('never-written'))).toBeNull();
        },
        timeout,
      );

      it(
        'rejects invalid names with InvalidSecretNameError',
        async () => {
          for (const bad of INVALID_NAMES)
            await expect(provider.get(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
              InvalidSecretNameError,
            );
        },
        timeout,
      );

      it(
        'describes what it returns without showing the value',
        async () => {
          const planted = `planted-${randomBytes(8).toString('hex')}`;
          await put(key('described'), planted);
          const secret = (await provider.get(key('described')))!;
          expect(secret.key).toBe(key('described'));
          expect(secret.value).toBe(planted);
          expect(typeof secret.version).toBe('string');
          expect(secret.createdAt).toBeInstanceOf(Date);
          expect(secret.updatedAt).toBeInstanceOf(Date);
          expect(secret.provider).toBe(provider.name);
          expect(JSON.stringify(secret)).not.toContain(planted);
          expect(String(secret)).not.toContain(planted);
        },
        timeout,
      );
    });

    describe('round trips', () => {
      const cases: Array<[string, () => string]> = [
        ['unicode', () => 'pässwörd ✓ 密码 🔑 مرحبا'],
        ['multi-line', () => '-----BEGIN KEY-----\nline one\r\nline two\n\ttabbed\n-----END KEY-----\n'],
        ['binary as base64', () => randomBytes(1024).toString('base64')],
        [
          'JSON text',
          () => JSON.stringify({ url: 'postgres://u:p@h/db', port: 5432, nested: { a: [1, 2] } }),
        ],
        ['quotes and shell characters', () => `'"\`$HOME \${secret:x} %s \\ ; | & > <`],
        [
          `large (${largeValueBytes} bytes)`,
          () =>
            randomBytes(Math.ceil((largeValueBytes * 3) / 4))
              .toString('base64')
              .slice(0, largeValueBytes),
        ],
      ];
      for (const [label, make] of cases)
        it(
          `keeps a ${label} value exactly`,
          async () => {
            const k = key(`round-trip-${label.replace(/[^a-z]+/g, '-').replace(/-+$/, '')}`);
            const v = make();
            await put(k, v);
            expect(await value(k)).toBe(v);
          },
          timeout,
        );

      for (const n of ['with/slash/segments', 'with-dash', 'with_underscore', 'with.dot', 'MixedCase09'])
        it(
          `accepts the name '${n}'`,
          async () => {
            await put(key(n), `value of ${n}`);
            expect(await value(key(n))).toBe(`value of ${n}`);
          },
          timeout,
        );
    });

    describe('writing', () => {
      it(
        'returns the description of what it wrote',
        async ({ skip }) => {
          if (!provider.capabilities.write) skip('read-only provider');
          const info = await provider.set!(key('writable'), 'x', {});
          created.add(key('writable'));
          expect(info.key).toBe(key('writable'));
          expect(typeof info.version).toBe('string');
          expect(JSON.stringify(info)).not.toContain('"x"');
        },
        timeout,
      );

      it(
        'refuses writes when read-only, with UnsupportedOperationError',
        async ({ skip }) => {
          if (provider.capabilities.write) skip('provider is writable');
          if (provider.set)
            await expect(provider.set(key('nope'), 'x', {})).rejects.toBeInstanceOf(
              UnsupportedOperationError,
            );
          const manager = new SecretManager({ providers: [provider] });
          await expect(manager.setSecret(key('nope'), 'x')).rejects.toBeInstanceOf(UnsupportedOperationError);
          await expect(manager.setSecret(key('nope'), 'x')).rejects.toThrow(/read-only|does not support/);
        },
        timeout,
      );

      it(
        'creates a new version on overwrite and keeps the latest current',
        async ({ skip }) => {
          if (!provider.capabilities.write) skip('provider declares no write');
          const first = await provider.set!(key('overwrite'), 'one', {});
          const second = await provider.set!(key('overwrite'), 'two', {});
          created.add(key('overwrite'));
          expect(second.version).not.toBe(first.version);
          expect(await value(key('overwrite'))).toBe('two');
        },
        timeout,
      );

      it(
        `persists ${concurrentWrites} concurrent writes to distinct keys`,
        async ({ skip }) => {
          if (!provider.capabilities.write) skip('provider declares no write');
          const keys = Array.from({ length: concurrentWrites }, (_, i) => key(`concurrent/k${i}`));
          await Promise.all(keys.map((k, i) => put(k, `v${i}`)));
          const values = await Promise.all(keys.map((k) => value(k)));
          expect(values).toEqual(keys.map((_, i) => `v${i}`));
        },
        timeout * 2,
      );
    });

    describe('versions', () => {
      it(
        'lists versions and reads an older one',
        async ({ skip }) => {
          if (!provider.capabilities.versions) skip('provider declares no versions');
          const k = key('versioned');
          const first = await provider.set!(k, 'first', {});
          await provider.set!(k, 'second', {});
          created.add(k);
          const versions = await provider.listVersions!(k);
          expect(versions.length).toBeGreaterThanOrEqual(2);
          expect(versions.filter((v) => v.current)).toHaveLength(1);
          expect(versions.map((v) => v.version)).toContain(first.version);
          expect((await provider.get(k, { version: first.version }))?.value).toBe('first');
          expect((await provider.get(k))?.value).toBe('second');
        },
        timeout,
      );

      it(
        'rolls back to an older version (through the manager)',
        async ({ skip }) => {
          if (!provider.capabilities.versions || !provider.capabilities.write)
            skip('provider declares no versions or write');
          const k = key('rollback');
          const first = await provider.set!(k, 'good', {});
          await provider.set!(k, 'bad', {});
          created.add(k);
          const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
          await manager.rollbackSecret(k, first.version);
          expect(await value(k)).toBe('good');
        },
        timeout,
      );

      it(
        'returns null for a version that does not exist',
        async ({ skip }) => {
          if (!provider.capabilities.versions) skip('provider declares no versions');
          const k = key('versioned-missing');
          await provider.set!(k, 'only', {});
          created.add(k);
          const missing = await provider.get(k, { version: '999999' }).catch((e: unknown) => e);
          expect(missing === null || (missing as { code?: string })?.code === 'SECRET_NOT_FOUND').toBe(true);
        },
        timeout,
      );
    });

    describe('tags and expiry', () => {
      it(
        'keeps tags',
        async ({ skip }) => {
          if (!provider.capabilities.tags) skip('provider declares no tags');
          const k = key('tagged');
          await provider.set!(k, 'v', { tags: { env: 'prod', team: 'payments' } });
          created.add(k);
          const secret = await provider.get(k);
          expect(secret?.tags).toMatchObject({ env: 'prod', team: 'payments' });
          if (provider.capabilities.list) {
            const listed = (await provider.list!({ prefix: key('tagged') })).find((s) => s.key === k);
            expect(listed?.tags).toMatchObject({ env: 'prod', team: 'payments' });
          }
        },
        timeout,
      );

      it(
        'keeps an expiry date',
        async ({ skip }) => {
          if (!provider.capabilities.expiry) skip('provider declares no expiry');
          const k = key('expiring');
          const expiresAt = new Date(Date.now() + 30 * 86_400_000);
          await provider.set!(k, 'v', { expiresAt });
          created.add(k);
          const secret = await provider.get(k);
          expect(secret?.expiresAt).toBeInstanceOf(Date);
          expect(Math.abs(secret!.expiresAt!.getTime() - expiresAt.getTime())).toBeLessThan(1000);
        },
        timeout,
      );
    });

    describe('deleting', () => {
      it(
        'makes a deleted secret not found',
        async ({ skip }) => {
          if (!provider.capabilities.delete) skip('provider declares no delete');
          const k = key('to-delete');
          await put(k, 'v');
          expect(await provider.delete!(k)).toBe(true);
          created.delete(k);
          expect(await provider.get(k)).toBeNull();
        },
        timeout,
      );

      it(
        'says false when deleting what is not there',
        async ({ skip }) => {
          if (!provider.capabilities.delete) skip('provider declares no delete');
          expect(await provider.delete!(key('never-there'))).toBe(false);
        },
        timeout,
      );
    });

    describe('listing', () => {
      it(
        'lists by prefix, names and metadata only',
        async ({ skip }) => {
          if (!provider.capabilities.list) skip('provider declares no list');
          await put(key('listing/a'), 'secret-a-value');
          await put(key('listing/b'), 'secret-b-value');
          await put(key('listing-other'), 'x');
          const listed = await provider.list!({ prefix: key('listing/') });
          expect(listed.map((s) => s.key).sort()).toEqual([key('listing/a'), key('listing/b')]);
          expect(JSON.stringify(listed)).not.toContain('secret-a-value');
        },
        timeout,
      );

      it(
        'lists by glob through the manager',
        async ({ skip }) => {
          if (!provider.capabilities.list) skip('provider declares no list');
          await put(key('glob/api-key-one'), '1');
          await put(key('glob/api-key-two'), '2');
          await put(key('glob/db-password'), '3');
          const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
          const listed = await manager.listSecrets({ pattern: `${key('glob')}/api-key-*` });
          expect(listed.map((s) => s.key).sort()).toEqual([key('glob/api-key-one'), key('glob/api-key-two')]);
        },
        timeout,
      );

      it(
        `pages past ${listCount} secrets`,
        async ({ skip }) => {
          if (!provider.capabilities.list) skip('provider declares no list');
          const keys = Array.from({ length: listCount }, (_, i) =>
            key(`many/s${String(i).padStart(4, '0')}`),
          );
          if (provider.capabilities.write) {
            for (let i = 0; i < keys.length; i += 10)
              await Promise.all(keys.slice(i, i + 10).map((k) => put(k, 'x')));
          } else {
            for (const k of keys) created.add(k);
            await subject.seed?.(Object.fromEntries(keys.map((k) => [k, 'x'])));
          }
          const listed = await provider.list!({ prefix: key('many/') });
          expect(new Set(listed.map((s) => s.key))).toEqual(new Set(keys));
        },
        timeout * 4,
      );
    });

    describe('cancellation', () => {
      it(
        'honours an aborted signal: the call rejects and nothing is written',
        async () => {
          const aborted = AbortSignal.abort();
          await put(key('abort/read'), 'present');
          await expect(provider.get(key('abort/read'), { abortSignal: aborted })).rejects.toThrow();
          if (provider.capabilities.write) {
            await expect(provider.set!(key('abort/write'), 'x', { abortSignal: aborted })).rejects.toThrow();
            created.add(key('abort/write'));
            expect(await value(key('abort/write'))).toBeUndefined();
          }
        },
        timeout,
      );

      it(
        'stops a call in flight when its signal aborts',
        async () => {
          await put(key('abort/in-flight'), 'present');
          const controller = new AbortController();
          const read = provider.get(key('abort/in-flight'), { abortSignal: controller.signal });
          controller.abort();
          // Either it had already answered, or it stops with an error: it never hangs.
          await read.catch(() => undefined);
        },
        timeout,
      );
    });

    describe('batch reads', () => {
      it(
        'reads many keys at once, missing ones as null',
        async () => {
          await put(key('batch/a'), 'A');
          await put(key('batch/b'), 'B');
          const keys = [key('batch/a'), key('batch/b'), key('batch/missing')];
          const viaProvider = provider.capabilities.batchGet ? await provider.getMany!(keys) : undefined;
          const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
          const viaManager = await manager.getSecrets(keys);
          for (const result of [viaProvider, viaManager].filter((r) => r !== undefined)) {
            expect(result.get(key('batch/a'))?.value).toBe('A');
            expect(result.get(key('batch/b'))?.value).toBe('B');
            expect(result.get(key('batch/missing'))).toBeNull();
          }
        },
        timeout,
      );
    });
  });
}
