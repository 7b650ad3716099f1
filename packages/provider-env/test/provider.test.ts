import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SecretManager, UnsupportedOperationError } from '@hush/core';
import { afterAll, describe, expect, it } from 'vitest';
import plugin, { EnvSecretProvider, toSecretName, toVariableName } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hush-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('env provider: names', () => {
  it('reports the canonical name of the variable an alias reaches, for access control', async () => {
    const p = new EnvSecretProvider({
      env: { HUSH_SECRET_DB_PASSWORD: 'pw-value', HUSH_SECRET_TOKEN: 't-value' },
    });
    for (const alias of ['db/password', 'db_password', 'DB.PASSWORD'])
      expect((await p.get(alias))?.canonicalName, alias).toBe('db-password');
    expect((await p.get('db-password'))?.canonicalName).toBeUndefined();
    expect((await p.get('token'))?.canonicalName).toBeUndefined();
    const mapped = new EnvSecretProvider({
      env: { DATABASE_URL: 'u' },
      mapping: { 'database/url': 'DATABASE_URL' },
    });
    expect((await mapped.get('database/url'))?.canonicalName).toBeUndefined();
  });

  it('maps names to variables and back (lossy without a mapping)', () => {
    expect(toVariableName('api-key-stripe')).toBe('HUSH_SECRET_API_KEY_STRIPE');
    expect(toVariableName('database/connection.url')).toBe('HUSH_SECRET_DATABASE_CONNECTION_URL');
    expect(toSecretName('HUSH_SECRET_API_KEY_STRIPE')).toBe('api-key-stripe');
    expect(toSecretName('HUSH_SECRET_DATABASE_CONNECTION_URL')).toBe('database-connection-url');
    expect(toSecretName('HUSH_SECRET_')).toBeUndefined();
    expect(toSecretName('OTHER')).toBeUndefined();
  });

  it('reads prefixed variables, by any spelling that normalises to them', async () => {
    const p = new EnvSecretProvider({
      env: { HUSH_SECRET_API_KEY_STRIPE: 'sk_test_1', DATABASE_URL: 'postgres://x' },
    });
    expect((await p.get('api-key-stripe'))?.value).toBe('sk_test_1');
    expect((await p.get('api/key.stripe'))?.value).toBe('sk_test_1');
    expect(await p.get('database-url')).toBeNull();
    expect(await p.get('constructor')).toBeNull();
    const s = (await p.get('api-key-stripe'))!;
    expect(s.provider).toBe('env');
    expect(s.metadata.variable).toBe('HUSH_SECRET_API_KEY_STRIPE');
    expect(JSON.stringify(s)).not.toContain('sk_test_1');
  });

  it('lists only what it can read back', async () => {
    const p = new EnvSecretProvider({
      env: { HUSH_SECRET_lower: 'x', HUSH_SECRET_OK_NAME: 'y', HUSH_SECRET_: 'z' },
    });
    const listed = await p.list();
    expect(listed.map((s) => s.key)).toEqual(['ok-name']);
    for (const s of listed) expect((await p.get(s.key))?.value).toBe('y');
    expect(JSON.stringify(listed)).not.toContain('"y"');
  });

  it('honours a custom prefix', async () => {
    const p = new EnvSecretProvider({ prefix: 'APP_', env: { APP_TOKEN: 't', HUSH_SECRET_TOKEN: 'other' } });
    expect((await p.get('token'))?.value).toBe('t');
    expect((await p.list()).map((s) => s.key)).toEqual(['token']);
  });

  it('sees unprefixed variables only when allowed, and never HUSH_* bootstrap variables', async () => {
    const env = { DATABASE_URL: 'postgres://x', HUSH_MASTER_KEY: 'k', HUSH_SECRET_A: 'a' };
    expect(await new EnvSecretProvider({ env }).get('database-url')).toBeNull();
    const p = new EnvSecretProvider({ env, allowUnprefixed: true });
    expect((await p.get('database-url'))?.value).toBe('postgres://x');
    expect(await p.get('hush-master-key')).toBeNull();
    expect((await p.list()).map((s) => s.key)).toEqual(['a', 'database-url']);
  });

  it('prefers the prefixed variable over the unprefixed one', async () => {
    const p = new EnvSecretProvider({
      env: { TOKEN: 'bare', HUSH_SECRET_TOKEN: 'prefixed' },
      allowUnprefixed: true,
    });
    expect((await p.get('token'))?.value).toBe('prefixed');
    expect((await p.list()).map((s) => [s.key, s.metadata.variable])).toEqual([
      ['token', 'HUSH_SECRET_TOKEN'],
    ]);
  });
});

describe('env provider: mapping table', () => {
  const env = {
    DATABASE_URL: 'postgres://db',
    DB_HOST: 'db.local',
    JWT_SECRET_KEY: 'jwt',
    HUSH_SECRET_OTHER: 'o',
  };

  it('reads and lists mapped paths under their own names (a Vault fallback table)', async () => {
    const p = new EnvSecretProvider({
      env,
      mapping: {
        'database/connection/url': 'DATABASE_URL',
        'database/connection/host': 'DB_HOST',
        'auth/jwt/secret': 'JWT_SECRET_KEY',
        'api-keys/openai/key': 'OPENAI_API_KEY',
      },
    });
    expect((await p.get('database/connection/url'))?.value).toBe('postgres://db');
    expect(await p.get('api-keys/openai/key')).toBeNull();
    expect((await p.list()).map((s) => s.key)).toEqual([
      'auth/jwt/secret',
      'database/connection/host',
      'database/connection/url',
      'other',
    ]);
    expect((await p.list({ prefix: 'database/' })).map((s) => s.key)).toEqual([
      'database/connection/host',
      'database/connection/url',
    ]);
  });

  it('loads the table from a YAML or JSON file, relative to the root', async () => {
    writeFileSync(
      join(dir, 'env-map.yaml'),
      '# Vault fallback\ndatabase/connection/url: DATABASE_URL\nauth/jwt/secret: JWT_SECRET_KEY\n',
    );
    writeFileSync(
      join(dir, 'env-map.json'),
      JSON.stringify({ mapping: { 'database/connection/host': 'DB_HOST' } }),
    );
    const fromYaml = new EnvSecretProvider({ env, root: dir, mappingFile: 'env-map.yaml' });
    expect((await fromYaml.get('auth/jwt/secret'))?.value).toBe('jwt');
    const fromJson = new EnvSecretProvider({
      env,
      mappingFile: join(dir, 'env-map.json'),
      mapping: { 'x/y': 'DB_HOST' },
    });
    expect((await fromJson.get('database/connection/host'))?.value).toBe('db.local');
    expect((await fromJson.get('x/y'))?.value).toBe('db.local');
  });

  it('refuses a bad mapping with ConfigError naming the file and the entry', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'database/connection/url: "not a variable"\n');
    const error = await new EnvSecretProvider({ env, mappingFile: join(dir, 'bad.yaml') })
      .get('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('bad.yaml: database/connection/url');
    await expect(
      new EnvSecretProvider({ env, mappingFile: join(dir, 'missing.json') }).initialize(),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(() => new EnvSecretProvider({ mapping: { '../x': 'X' } })).toThrow(ConfigError);
  });
});

describe('env provider: snapshot or live', () => {
  it('reads a snapshot taken at initialize by default', async () => {
    const env: Record<string, string> = { HUSH_SECRET_A: 'before' };
    const p = new EnvSecretProvider({ env });
    await p.initialize();
    env.HUSH_SECRET_A = 'after';
    env.HUSH_SECRET_B = 'new';
    expect((await p.get('a'))?.value).toBe('before');
    expect(await p.get('b')).toBeNull();
  });

  it('snapshot: false is live: true; contradicting both is a ConfigError', async () => {
    const env: Record<string, string> = { HUSH_SECRET_A: 'before' };
    const p = new EnvSecretProvider({ env, snapshot: false });
    await p.initialize();
    env.HUSH_SECRET_A = 'after';
    expect((await p.get('a'))?.value).toBe('after');
    const snap = new EnvSecretProvider({ env, snapshot: true });
    await snap.initialize();
    env.HUSH_SECRET_A = 'later';
    expect((await snap.get('a'))?.value).toBe('after');
    expect(() => new EnvSecretProvider({ live: true, snapshot: true })).toThrow(ConfigError);
  });

  it('reads the live environment with live: true (process.env by default)', async () => {
    const p = new EnvSecretProvider({ live: true });
    process.env.HUSH_SECRET_LIVE_TEST = 'one';
    try {
      expect((await p.get('live-test'))?.value).toBe('one');
      process.env.HUSH_SECRET_LIVE_TEST = 'two';
      expect((await p.get('live-test'))?.value).toBe('two');
    } finally {
      delete process.env.HUSH_SECRET_LIVE_TEST;
    }
    expect(await p.get('live-test')).toBeNull();
  });
});

describe('env provider: read-only', () => {
  it('refuses writes with UnsupportedOperationError saying it is read-only', async () => {
    const p = new EnvSecretProvider({ env: {} });
    expect(p.capabilities.write).toBe(false);
    await expect(p.set()).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(p.set()).rejects.toThrow("provider 'env' is read-only");
    await expect(p.delete()).rejects.toThrow(/read-only/);
    const manager = new SecretManager({ providers: [p] });
    await expect(manager.setSecret('a', 'b')).rejects.toThrow(/read-only/);
  });

  it('serves as the fallback behind a writable provider', async () => {
    const env = new EnvSecretProvider({ env: { HUSH_SECRET_FALLBACK: 'from-env' } });
    const manager = new SecretManager({ providers: [env], cache: { enabled: false } });
    expect((await manager.getSecret('fallback'))?.value).toBe('from-env');
    const batch = await env.getMany(['fallback', 'missing']);
    expect(batch.get('fallback')?.value).toBe('from-env');
    expect(batch.get('missing')).toBeNull();
  });

  it('has no versions but its current one', async () => {
    const p = new EnvSecretProvider({ env: { HUSH_SECRET_V: 'x' } });
    expect((await p.get('v'))?.version).toBe('current');
    expect((await p.get('v', { version: 'current' }))?.value).toBe('x');
    expect(await p.get('v', { version: '1' })).toBeNull();
  });
});

describe('env provider: plugin', () => {
  it('is the default export with kind env, reading the context env', async () => {
    expect(plugin.kind).toBe('env');
    const p = await plugin.create({ prefix: 'X_' }, { name: 'ci-env', root: dir, env: { X_TOKEN: 't' } });
    expect(p.name).toBe('ci-env');
    expect((await p.get('token'))?.value).toBe('t');
  });
});
