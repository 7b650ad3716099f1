import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  createSecretManagerFromConfig,
  ProviderUnavailableError,
  parseConfig,
  SecretManager,
} from '../src/index.js';

describe('resolve', () => {
  it('fetches its distinct names through the provider batch read', async () => {
    const secrets = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`s${i}`, `value-${i}`]));
    const provider = new MemoryProvider({ secrets, batchGet: true });
    const manager = new SecretManager({ providers: [provider] });
    const doc = Object.fromEntries(Object.keys(secrets).map((k) => [k, `\${secret:${k}}`]));
    const resolved = await manager.resolve(doc);
    expect(resolved.s42).toBe('value-42');
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.get ?? 0).toBe(0);
  });

  it('uses bounded concurrency against a provider without a batch read', async () => {
    const secrets = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`s${i}`, `value-${i}`]));
    const provider = new MemoryProvider({ secrets });
    let running = 0;
    let peak = 0;
    const get = provider.get.bind(provider);
    provider.get = async (...args) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setImmediate(r));
      try {
        return await get(...args);
      } finally {
        running--;
      }
    };
    const manager = new SecretManager({ providers: [provider], batchConcurrency: 4 });
    const doc = Object.keys(secrets).map((k) => `\${secret:${k}}`);
    expect((await manager.resolve(doc))[7]).toBe('value-7');
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('does not apply a default when every provider is down', async () => {
    const provider = new MemoryProvider();
    provider.faults.outage = true;
    const manager = new SecretManager({ providers: [provider] });
    const error = await manager
      .resolve({ database: { url: '${secret:dburl:postgresql://localhost}' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toContain('dburl');
    expect((error as Error).message).toContain('database.url');
  });

  it('applies a default during an outage when asked (defaultsOnOutage)', async () => {
    const provider = new MemoryProvider();
    provider.faults.outage = true;
    const manager = new SecretManager({ providers: [provider] });
    const doc = { database: { url: '${secret:dburl:postgresql://localhost}' } };
    expect(await manager.resolve(doc, { defaultsOnOutage: true })).toEqual({
      database: { url: 'postgresql://localhost' },
    });
    const configured = new SecretManager({ providers: [provider], defaultsOnOutage: true });
    expect((await configured.resolve(doc)).database.url).toBe('postgresql://localhost');
  });

  it('takes defaultsOnOutage from the configuration file', async () => {
    expect(() =>
      parseConfig({ defaultsOnOutage: 'yes', environments: { dev: { providers: [{ kind: 'env' }] } } }),
    ).toThrow(/defaultsOnOutage/);
    // A third-party plugin whose backend is down, loaded by path as an application would.
    const root = mkdtempSync(join(tmpdir(), 'hush-outage-'));
    writeFileSync(
      join(root, 'down.mjs'),
      `export default { kind: 'down', create: (_o, c) => ({ name: c.name, kind: 'down',
        capabilities: { write: false, delete: false, list: false, versions: false, tags: false, expiry: false, batchGet: false },
        async get() { const e = new Error('refused'); e.code = 'ECONNREFUSED'; throw e; } }) };`,
    );
    const config = parseConfig(
      {
        defaultsOnOutage: true,
        environments: { dev: { providers: [{ kind: 'down', module: './down.mjs' }] } },
      },
      { root },
    );
    expect(config.defaultsOnOutage).toBe(true);
    const manager = await createSecretManagerFromConfig(config, { env: {} });
    expect(await manager.resolve('${secret:x:fallback}')).toBe('fallback');
    const strict = await createSecretManagerFromConfig({ ...config, defaultsOnOutage: false }, { env: {} });
    await expect(strict.resolve('${secret:x:fallback}')).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('still applies a default when the providers answered that the secret does not exist', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider()] });
    expect(await manager.resolve('${secret:dburl:postgresql://localhost}')).toBe('postgresql://localhost');
  });

  it('never turns a denial into the default', async () => {
    const provider = new MemoryProvider({ secrets: { denied: 'the-real-value', open: 'open-value' } });
    const manager = new SecretManager({
      providers: [provider],
      plugins: [
        {
          name: 'gate',
          before(context) {
            if (context.key === 'denied') throw new AccessDeniedError('no');
          },
        },
      ],
    });
    const error = await manager
      .resolve({ a: '${secret:denied:dflt}', b: '${secret:open}' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toContain('denied');
    expect((error as Error).message).toContain('a');
  });
});
