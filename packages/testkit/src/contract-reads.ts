import { randomBytes } from 'node:crypto';
import { InvalidSecretNameError, SecretManager } from '@hush/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract-context.js';

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

/** Reads: capabilities declared, not found, empty values, name checks. */
export function describeReading(ctx: ContractContext): void {
  const { key, put, timeout } = ctx;
  describe('reading', () => {
    it('declares its name, kind and capabilities', () => {
      expect(typeof ctx.provider.name).toBe('string');
      expect(ctx.provider.name.length).toBeGreaterThan(0);
      expect(typeof ctx.provider.kind).toBe('string');
      for (const capability of ['write', 'delete', 'list', 'versions', 'tags', 'expiry', 'batchGet'] as const)
        expect(typeof ctx.provider.capabilities[capability]).toBe('boolean');
      if (ctx.provider.capabilities.batchGet) expect(typeof ctx.provider.getMany).toBe('function');
      if (ctx.provider.capabilities.write) expect(typeof ctx.provider.set).toBe('function');
      if (ctx.provider.capabilities.delete) expect(typeof ctx.provider.delete).toBe('function');
      if (ctx.provider.capabilities.list) expect(typeof ctx.provider.list).toBe('function');
      if (ctx.provider.capabilities.versions) expect(typeof ctx.provider.listVersions).toBe('function');
    });

    it(
      'returns null for a secret that does not exist',
      async () => {
        expect(await ctx.provider.get(key('does-not-exist'))).toBeNull();
      },
      timeout,
    );

    it(
      'tells "not found" from "found but empty"',
      async () => {
        await put(key('empty'), '');
        const empty = await ctx.provider.get(key('empty'));
        expect(empty).not.toBeNull();
        expect(empty!.value).toBe('');
        expect(await ctx.provider.get(key('never-written'))).toBeNull();
      },
      timeout,
    );

    it(
      'rejects invalid names with InvalidSecretNameError',
      async () => {
        for (const bad of INVALID_NAMES)
          await expect(ctx.provider.get(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
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
        const secret = (await ctx.provider.get(key('described')))!;
        expect(secret.key).toBe(key('described'));
        expect(secret.value).toBe(planted);
        expect(typeof secret.version).toBe('string');
        expect(secret.createdAt).toBeInstanceOf(Date);
        expect(secret.updatedAt).toBeInstanceOf(Date);
        expect(secret.provider).toBe(ctx.provider.name);
        expect(JSON.stringify(secret)).not.toContain(planted);
        expect(String(secret)).not.toContain(planted);
      },
      timeout,
    );
  });
}

/** Values that come back exactly as written: large, binary-looking, unicode. */
export function describeRoundTrips(ctx: ContractContext): void {
  const { key, put, value, timeout, largeValueBytes } = ctx;
  describe('round trips', () => {
    const cases: Array<[string, () => string]> = [
      ['unicode', () => 'pässwörd ✓ 密码 🔑 مرحبا'],
      ['multi-line', () => '-----BEGIN KEY-----\nline one\r\nline two\n\ttabbed\n-----END KEY-----\n'],
      ['binary as base64', () => randomBytes(1024).toString('base64')],
      ['JSON text', () => JSON.stringify({ url: 'postgres://u:p@h/db', port: 5432, nested: { a: [1, 2] } })],
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
}

/** Batch reads through the provider and the manager, missing keys as null. */
export function describeBatchReads(ctx: ContractContext): void {
  const { key, put, timeout } = ctx;
  describe('batch reads', () => {
    it(
      'reads many keys at once, missing ones as null',
      async () => {
        await put(key('batch/a'), 'A');
        await put(key('batch/b'), 'B');
        const keys = [key('batch/a'), key('batch/b'), key('batch/missing')];
        const viaProvider = ctx.provider.capabilities.batchGet
          ? await ctx.provider.getMany!(keys)
          : undefined;
        const manager = new SecretManager({ providers: [ctx.provider], cache: { enabled: false } });
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
}
