import { SecretManager, UnsupportedOperationError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract-context.js';

/** Writes: overwrites, concurrent writers, refusals of a read-only provider. */
export function describeWriting(ctx: ContractContext): void {
  const { key, put, value, timeout, created, concurrentWrites } = ctx;
  describe('writing', () => {
    it(
      'returns the description of what it wrote',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.write) skip('read-only provider');
        const info = await ctx.provider.set!(key('writable'), 'x', {});
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
        if (ctx.provider.capabilities.write) skip('provider is writable');
        if (ctx.provider.set)
          await expect(ctx.provider.set(key('nope'), 'x', {})).rejects.toBeInstanceOf(
            UnsupportedOperationError,
          );
        const manager = new SecretManager({ providers: [ctx.provider] });
        await expect(manager.setSecret(key('nope'), 'x')).rejects.toBeInstanceOf(UnsupportedOperationError);
        await expect(manager.setSecret(key('nope'), 'x')).rejects.toThrow(/read-only|does not support/);
      },
      timeout,
    );

    it(
      'creates a new version on overwrite and keeps the latest current',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.write) skip('provider declares no write');
        const first = await ctx.provider.set!(key('overwrite'), 'one', {});
        const second = await ctx.provider.set!(key('overwrite'), 'two', {});
        created.add(key('overwrite'));
        expect(second.version).not.toBe(first.version);
        expect(await value(key('overwrite'))).toBe('two');
      },
      timeout,
    );

    it(
      `persists ${concurrentWrites} concurrent writes to distinct keys`,
      async ({ skip }) => {
        if (!ctx.provider.capabilities.write) skip('provider declares no write');
        const keys = Array.from({ length: concurrentWrites }, (_, i) => key(`concurrent/k${i}`));
        await Promise.all(keys.map((k, i) => put(k, `v${i}`)));
        const values = await Promise.all(keys.map((k) => value(k)));
        expect(values).toEqual(keys.map((_, i) => `v${i}`));
      },
      timeout * 2,
    );
  });
}

/** Versions: listing, reading an older one, rollback through the manager. */
export function describeVersions(ctx: ContractContext): void {
  const { key, value, timeout, created } = ctx;
  describe('versions', () => {
    it(
      'lists versions and reads an older one',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.versions) skip('provider declares no versions');
        const k = key('versioned');
        const first = await ctx.provider.set!(k, 'first', {});
        await ctx.provider.set!(k, 'second', {});
        created.add(k);
        const versions = await ctx.provider.listVersions!(k);
        expect(versions.length).toBeGreaterThanOrEqual(2);
        expect(versions.filter((v) => v.current)).toHaveLength(1);
        expect(versions.map((v) => v.version)).toContain(first.version);
        expect((await ctx.provider.get(k, { version: first.version }))?.value).toBe('first');
        expect((await ctx.provider.get(k))?.value).toBe('second');
      },
      timeout,
    );

    it(
      'rolls back to an older version (through the manager)',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.versions || !ctx.provider.capabilities.write)
          skip('provider declares no versions or write');
        const k = key('rollback');
        const first = await ctx.provider.set!(k, 'good', {});
        await ctx.provider.set!(k, 'bad', {});
        created.add(k);
        const manager = new SecretManager({ providers: [ctx.provider], cache: { enabled: false } });
        await manager.rollbackSecret(k, first.version);
        expect(await value(k)).toBe('good');
      },
      timeout,
    );

    it(
      'returns null for a version that does not exist',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.versions) skip('provider declares no versions');
        const k = key('versioned-missing');
        await ctx.provider.set!(k, 'only', {});
        created.add(k);
        const missing = await ctx.provider.get(k, { version: '999999' }).catch((e: unknown) => e);
        expect(missing === null || (missing as { code?: string })?.code === 'SECRET_NOT_FOUND').toBe(true);
      },
      timeout,
    );
  });
}

/** Tags and expiry as written, through the provider and the manager. */
export function describeTagsAndExpiry(ctx: ContractContext): void {
  const { key, timeout, created } = ctx;
  describe('tags and expiry', () => {
    it(
      'keeps tags',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.tags) skip('provider declares no tags');
        const k = key('tagged');
        await ctx.provider.set!(k, 'v', { tags: { env: 'prod', team: 'payments' } });
        created.add(k);
        const secret = await ctx.provider.get(k);
        expect(secret?.tags).toMatchObject({ env: 'prod', team: 'payments' });
        if (ctx.provider.capabilities.list) {
          const listed = (await ctx.provider.list!({ prefix: key('tagged') })).find((s) => s.key === k);
          expect(listed?.tags).toMatchObject({ env: 'prod', team: 'payments' });
        }
      },
      timeout,
    );

    it(
      'keeps an expiry date',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.expiry) skip('provider declares no expiry');
        const k = key('expiring');
        const expiresAt = new Date(Date.now() + 30 * 86_400_000);
        await ctx.provider.set!(k, 'v', { expiresAt });
        created.add(k);
        const secret = await ctx.provider.get(k);
        expect(secret?.expiresAt).toBeInstanceOf(Date);
        expect(Math.abs(secret!.expiresAt!.getTime() - expiresAt.getTime())).toBeLessThan(1000);
      },
      timeout,
    );
  });
}

/** Deletes: gone after, false for a missing secret. */
export function describeDeleting(ctx: ContractContext): void {
  const { key, put, timeout, created } = ctx;
  describe('deleting', () => {
    it(
      'makes a deleted secret not found',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.delete) skip('provider declares no delete');
        const k = key('to-delete');
        await put(k, 'v');
        expect(await ctx.provider.delete!(k)).toBe(true);
        created.delete(k);
        expect(await ctx.provider.get(k)).toBeNull();
      },
      timeout,
    );

    it(
      'says false when deleting what is not there',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.delete) skip('provider declares no delete');
        expect(await ctx.provider.delete!(key('never-there'))).toBe(false);
      },
      timeout,
    );
  });
}
