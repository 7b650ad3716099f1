import { SecretManager } from '@hush/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract-context.js';

/** Listing: by prefix, names and metadata only, past the page size. */
export function describeListing(ctx: ContractContext): void {
  const { key, put, timeout, created, listCount } = ctx;
  describe('listing', () => {
    it(
      'lists by prefix, names and metadata only',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.list) skip('provider declares no list');
        await put(key('listing/a'), 'secret-a-value');
        await put(key('listing/b'), 'secret-b-value');
        await put(key('listing-other'), 'x');
        const listed = await ctx.provider.list!({ prefix: key('listing/') });
        expect(listed.map((s) => s.key).sort()).toEqual([key('listing/a'), key('listing/b')]);
        expect(JSON.stringify(listed)).not.toContain('secret-a-value');
      },
      timeout,
    );

    it(
      'lists by glob through the manager',
      async ({ skip }) => {
        if (!ctx.provider.capabilities.list) skip('provider declares no list');
        await put(key('glob/api-key-one'), '1');
        await put(key('glob/api-key-two'), '2');
        await put(key('glob/db-password'), '3');
        const manager = new SecretManager({ providers: [ctx.provider], cache: { enabled: false } });
        const listed = await manager.listSecrets({ pattern: `${key('glob')}/api-key-*` });
        expect(listed.map((s) => s.key).sort()).toEqual([key('glob/api-key-one'), key('glob/api-key-two')]);
      },
      timeout,
    );

    it(
      `pages past ${listCount} secrets`,
      async ({ skip }) => {
        if (!ctx.provider.capabilities.list) skip('provider declares no list');
        const keys = Array.from({ length: listCount }, (_, i) => key(`many/s${String(i).padStart(4, '0')}`));
        if (ctx.provider.capabilities.write) {
          for (let i = 0; i < keys.length; i += 10)
            await Promise.all(keys.slice(i, i + 10).map((k) => put(k, 'x')));
        } else {
          for (const k of keys) created.add(k);
          await ctx.subject.seed?.(Object.fromEntries(keys.map((k) => [k, 'x'])));
        }
        const listed = await ctx.provider.list!({ prefix: key('many/') });
        expect(new Set(listed.map((s) => s.key))).toEqual(new Set(keys));
      },
      timeout * 4,
    );
  });
}

/** Cancellation: an aborted signal stops a call, never hangs it. */
export function describeCancellation(ctx: ContractContext): void {
  const { key, put, value, timeout, created } = ctx;
  describe('cancellation', () => {
    it(
      'honours an aborted signal: the call rejects and nothing is written',
      async () => {
        const aborted = AbortSignal.abort();
        await put(key('abort/read'), 'present');
        await expect(ctx.provider.get(key('abort/read'), { abortSignal: aborted })).rejects.toThrow();
        if (ctx.provider.capabilities.write) {
          await expect(
            ctx.provider.set!(key('abort/write'), 'x', { abortSignal: aborted }),
          ).rejects.toThrow();
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
        const read = ctx.provider.get(key('abort/in-flight'), { abortSignal: controller.signal });
        controller.abort();
        // Either it had already answered, or it stops with an error: it never hangs.
        await read.catch(() => undefined);
      },
      timeout,
    );
  });
}
