import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ProviderUnavailableError, SecretManager, VersionConflictError } from '@hush/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin, { generateMasterKey, LocalSecretProvider, writeKeyFile } from '../src/index.js';
import { readDoc, type Sandbox, sandbox, thrown } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const readStore = (): any => readDoc(box.store);

describe('local provider: basics', () => {
  it('reads nothing and needs no key while the store does not exist', async () => {
    const p = new LocalSecretProvider({ root: box.dir, env: {} });
    expect(await p.get('anything')).toBeNull();
    expect(await p.list()).toEqual([]);
    expect(existsSync(join(box.dir, '.hush'))).toBe(false);
  });

  it('creates the key file with the store on the first write when no key is given', async () => {
    const p = new LocalSecretProvider({ root: box.dir, env: {} });
    await p.set('a', 'b');
    expect(p.createdKeyFile).toBe(true);
    const keyFile = join(box.dir, '.hush', 'master.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(box.dir, '.hush', '.gitignore'), 'utf8')).toContain('master.key');
    const again = new LocalSecretProvider({ root: box.dir, env: {} });
    expect((await again.get('a'))?.value).toBe('b');
    expect(again.createdKeyFile).toBe(false);
  });

  it('with createKeyIfMissing false, refuses the write and leaves no folder behind', async () => {
    const p = new LocalSecretProvider({ root: box.dir, env: {}, createKeyIfMissing: false });
    await expect(p.set('a', 'b')).rejects.toThrow(/no master key/);
    expect(existsSync(join(box.dir, '.hush'))).toBe(false);
  });

  it('never creates a key for a store that exists without one', async () => {
    await box.make().set('a', 'b'); // keyed by the masterKey option: no key file
    const p = new LocalSecretProvider({ root: box.dir, env: {} });
    await expect(p.set('c', 'd')).rejects.toThrow(/no master key/);
    expect(existsSync(join(box.dir, '.hush', 'master.key'))).toBe(false);
  });

  it('round-trips values and keeps names in clear text, values not', async () => {
    const p = box.make();
    const info = await p.set('database/url', 'postgres://user:pa55@host/db');
    expect(info.version).toBe('1');
    expect((await p.get('database/url'))?.value).toBe('postgres://user:pa55@host/db');
    const text = readFileSync(box.store, 'utf8');
    expect(text).toContain('"database/url"');
    expect(text).not.toContain('pa55');
    expect(readStore().format).toBe('hush.local/v2');
    // A fresh instance (as a fresh process would) reads it back.
    expect((await box.make().get('database/url'))?.value).toBe('postgres://user:pa55@host/db');
  });

  it('creates the store 0600 in a 0700 folder with a .gitignore for key and state', async () => {
    await box.make().set('a', 'x');
    expect(statSync(box.store).mode & 0o777).toBe(0o600);
    expect(statSync(join(box.dir, '.hush')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(box.dir, '.hush', '.gitignore'), 'utf8')).toContain('master.key');
  });

  it('keeps versions, reads older ones, rolls back natively and prunes beyond maxVersions', async () => {
    const p = box.make({ maxVersions: 3 });
    for (const v of ['one', 'two', 'three', 'four']) await p.set('k', v);
    const versions = await p.listVersions('k');
    expect(versions.map((v) => v.version)).toEqual(['4', '3', '2']);
    expect(versions.filter((v) => v.current).map((v) => v.version)).toEqual(['4']);
    expect((await p.get('k', { version: '2' }))?.value).toBe('two');
    expect(await p.get('k', { version: '1' })).toBeNull();
    expect(await p.get('k', { version: 'nope' })).toBeNull();
    const rolled = await p.rollback('k', '2');
    expect(rolled.version).toBe('5');
    expect((await p.get('k'))?.value).toBe('two');
  });

  it('keeps tags, metadata, scope and expiry; expireOldVersion stops serving older versions', async () => {
    const p = box.make();
    const expiresAt = new Date(Date.now() + 86_400_000);
    await p.set('t', 'v1', { tags: { env: 'prod' }, metadata: { owner: 'ops' }, scope: 'global', expiresAt });
    const s = (await p.get('t'))!;
    expect(s.tags).toEqual({ env: 'prod' });
    expect(s.metadata).toEqual({ owner: 'ops' });
    expect(s.scope).toBe('global');
    expect(s.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    await p.set('t', 'v2', { expirePreviousVersions: true });
    expect((await p.get('t'))?.tags).toEqual({ env: 'prod' });
    expect(await p.get('t', { version: '1' })).toBeNull();
    expect((await p.listVersions('t')).find((v) => v.version === '1')?.state).toBe('disabled');
  });

  it('refuses a stale expectedVersion with VersionConflictError', async () => {
    const p = box.make();
    await p.set('cas', 'a', { expectedVersion: '0' });
    await expect(p.set('cas', 'b', { expectedVersion: '0' })).rejects.toBeInstanceOf(VersionConflictError);
    await p.set('cas', 'b', { expectedVersion: '1' });
    expect((await p.get('cas'))?.value).toBe('b');
  });

  it('deletes a secret with all its versions', async () => {
    const p = box.make();
    await p.set('gone', 'a');
    await p.set('gone', 'b');
    expect(await p.delete('gone')).toBe(true);
    expect(await p.get('gone')).toBeNull();
    expect(await p.listVersions('gone')).toEqual([]);
    expect(await p.delete('gone')).toBe(false);
  });

  it('treats names such as constructor and __proto__ as plain names', async () => {
    const p = box.make();
    expect(await p.get('constructor')).toBeNull();
    await p.set('__proto__', 'a');
    await p.set('constructor', 'b');
    const fresh = box.make();
    expect((await fresh.get('__proto__'))?.value).toBe('a');
    expect((await fresh.get('constructor'))?.value).toBe('b');
    expect((await fresh.list()).map((s) => s.key).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('lists by prefix and reads many at once', async () => {
    const p = box.make();
    await p.setMany({ 'app/a': '1', 'app/b': '2', other: '3' });
    expect((await p.list({ prefix: 'app/' })).map((s) => s.key)).toEqual(['app/a', 'app/b']);
    const many = await p.getMany(['app/a', 'missing']);
    expect(many.get('app/a')?.value).toBe('1');
    expect(many.get('missing')).toBeNull();
  });

  it('bulk import writes the file once', async () => {
    const p = box.make();
    const entries = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`bulk/k${i}`, `v${i}`]));
    const infos = await p.setMany(entries);
    expect(infos).toHaveLength(500);
    expect(p.metrics().fileWrites).toBe(1);
    expect(readStore().generation).toBe(1);
    expect((await box.make().get('bulk/k499'))?.value).toBe('v499');
  });

  it('bulk import is all or nothing', async () => {
    const p = box.make();
    await p.set('taken', 'x');
    await expect(
      p.setMany([
        { key: 'fresh', value: '1' },
        { key: 'taken', value: '2', options: { expectedVersion: '0' } },
      ]),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await p.get('fresh')).toBeNull();
  });

  it('leaves untouched entries byte-identical across writes', async () => {
    const p = box.make();
    await p.setMany({ a: 'alpha', b: 'beta' });
    const before = readStore().secrets.a;
    await p.set('b', 'beta-2');
    await p.delete('b');
    await p.set('c', 'gamma');
    expect(readStore().secrets.a).toEqual(before);
    const lines = readFileSync(box.store, 'utf8');
    expect(lines.indexOf('"a"')).toBeLessThan(lines.indexOf('"c"'));
  });

  it('reads one secret from a large store decrypting only that one, deriving keys once', async () => {
    await box.make().setMany(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`s/${i}`, `v${i}`])));
    const fresh = box.make();
    expect((await fresh.get('s/123'))?.value).toBe('v123');
    expect(fresh.metrics()).toMatchObject({ decryptions: 1, keyDerivations: 1, fileReads: 1 });
    for (let i = 0; i < 10; i++) await fresh.get(`s/${i}`);
    await fresh.set('s/new', 'x');
    expect(fresh.metrics()).toMatchObject({ decryptions: 11, keyDerivations: 1, fileReads: 1 });
  });

  it('seals every version with a fresh IV', async () => {
    const p = box.make();
    await p.set('same', 'identical value');
    await p.set('same', 'identical value');
    const versions = readStore().secrets.same.versions;
    expect(versions['1'].iv).not.toBe(versions['2'].iv);
    expect(versions['1'].ct).not.toBe(versions['2'].ct);
    expect(Buffer.from(versions['1'].iv, 'base64')).toHaveLength(12);
  });

  it('parses the file once for concurrent cold reads', async () => {
    await box.make().setMany({ a: '1', b: '2' });
    const p = box.make();
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => p.get(i % 2 ? 'a' : 'b')));
    expect(values.map((s) => s?.value)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? '1' : '2')));
    expect(p.metrics().fileReads).toBe(1);
    await p.get('a');
    expect(p.metrics().fileReads).toBe(1);
  });

  it('two provider instances writing at once lose nothing (the file lock serialises them)', async () => {
    const [a, b] = [box.make(), box.make()];
    await Promise.all([
      ...Array.from({ length: 25 }, (_, i) => a.set(`a/${i}`, `a${i}`)),
      ...Array.from({ length: 25 }, (_, i) => b.set(`b/${i}`, `b${i}`)),
    ]);
    const listed = await box.make().list();
    expect(listed).toHaveLength(50);
  });

  it('gives up on a lock held by a live process after lockTimeoutMs, writing nothing', async () => {
    const p = box.make({ lockTimeoutMs: 300 });
    await p.set('a', '1');
    mkdirSync(`${box.store}.lock`);
    try {
      const started = Date.now();
      const error = await thrown(() => p.set('a', '2'));
      // It waited the whole lockTimeoutMs (a deadline, not a count of retries); timers may round by a ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(295);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.hint).toContain('.lock');
    } finally {
      rmSync(`${box.store}.lock`, { recursive: true });
    }
    expect((await box.make().get('a'))?.value).toBe('1');
  });

  it('shares one file write between concurrent callers in one process', async () => {
    const p = box.make();
    await p.set('warm', 'x');
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.set(`c/k${i}`, `v${i}`)));
    expect(p.metrics().fileWrites).toBeLessThan(51);
    const fresh = box.make();
    for (let i = 0; i < 50; i++) expect((await fresh.get(`c/k${i}`))?.value).toBe(`v${i}`);
  });
});

describe('local provider: keys', () => {
  it('git-ignores the key file when writeKeyFile creates .hush first (as hush init does)', async () => {
    await writeKeyFile(join(box.dir, '.hush', 'master.key'), box.key);
    const ignored = readFileSync(join(box.dir, '.hush', '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['master.key', 'state.json', 'backups/']));
    rmSync(join(box.dir, '.hush', '.gitignore'));
    // The store's creation in an existing .hush folder adds it too.
    await new LocalSecretProvider({ root: box.dir, env: {} }).set('k', 'v');
    expect(readFileSync(join(box.dir, '.hush', '.gitignore'), 'utf8')).toContain('master.key');
  });

  it('takes the key from HUSH_MASTER_KEY, then the key file', async () => {
    await box.make().set('k', 'v');
    const fromEnv = new LocalSecretProvider({ root: box.dir, env: { HUSH_MASTER_KEY: box.key } });
    expect((await fromEnv.get('k'))?.value).toBe('v');
    await writeKeyFile(join(box.dir, '.hush', 'master.key'), box.key);
    expect(statSync(join(box.dir, '.hush', 'master.key')).mode & 0o777).toBe(0o600);
    const fromFile = new LocalSecretProvider({ root: box.dir, env: {} });
    expect((await fromFile.get('k'))?.value).toBe('v');
    await expect(writeKeyFile(join(box.dir, '.hush', 'master.key'))).rejects.toThrow(/refusing to overwrite/);
  });

  it('refuses a malformed key', async () => {
    await expect(box.make({ masterKey: 'c2hvcnQ=' }).set('a', 'b')).rejects.toBeInstanceOf(ConfigError);
    expect(Buffer.from(generateMasterKey(), 'base64')).toHaveLength(32);
  });

  it('reports a wrong master key clearly, never garbage', async () => {
    await box.make().set('k', 'planted-value-123');
    const error = await thrown(() => box.make({ masterKey: generateMasterKey() }).get('k'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/wrong master key/);
    expect(error.message).not.toContain('planted-value-123');
  });

  it('opens a passphrase store with scrypt and refuses a wrong passphrase', async () => {
    const p = new LocalSecretProvider({ root: box.dir, env: {}, passphrase: 'correct horse battery staple' });
    await p.set('k', 'v');
    const kdf = readStore().kdf;
    expect(kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    const again = new LocalSecretProvider({
      root: box.dir,
      env: {},
      passphrase: 'correct horse battery staple',
    });
    expect((await again.get('k'))?.value).toBe('v');
    const wrong = new LocalSecretProvider({ root: box.dir, env: {}, passphrase: 'wrong' });
    await expect(wrong.get('k')).rejects.toThrow(/wrong passphrase/);
    await expect(box.make().get('k')).rejects.toThrow(/protected by a passphrase/);
  });

  it('rekeys from a master key to a passphrase and back', async () => {
    const p = box.make();
    await p.set('a', 'one');
    await p.rekey({ passphrase: 'a long passphrase', scrypt: { N: 2 ** 14, r: 8, p: 1 } });
    expect(readStore().kdf).toMatchObject({ name: 'scrypt', N: 2 ** 14 });
    const viaPassphrase = new LocalSecretProvider({
      root: box.dir,
      env: {},
      passphrase: 'a long passphrase',
    });
    expect((await viaPassphrase.get('a'))?.value).toBe('one');
    const newKey = generateMasterKey();
    await viaPassphrase.rekey({ masterKey: newKey });
    expect((await box.make({ masterKey: newKey }).get('a'))?.value).toBe('one');
    expect(p.metrics().fileWrites).toBe(2);
  });

  it('rekeys every version in one write, after a backup', async () => {
    const p = box.make();
    await p.set('a', 'a1');
    await p.set('a', 'a2');
    await p.set('b', 'b1');
    const oldCt = readStore().secrets.a.versions['1'].ct;
    const newKey = generateMasterKey();
    await p.rekey({ masterKey: newKey });
    expect(readStore().secrets.a.versions['1'].ct).not.toBe(oldCt);
    expect((await p.get('a', { version: '1' }))?.value).toBe('a1');
    const withNew = box.make({ masterKey: newKey });
    expect((await withNew.get('a'))?.value).toBe('a2');
    expect((await withNew.get('b'))?.value).toBe('b1');
    await expect(box.make().get('a')).rejects.toThrow(/wrong master key/);
  });
});

describe('local provider: plugin', () => {
  it('is the default export with kind local and resolves paths from the root', async () => {
    expect(plugin.kind).toBe('local');
    const p = await plugin.create(
      { path: 'custom/store.json' },
      { name: 'dev-local', root: box.dir, env: { HUSH_MASTER_KEY: box.key } },
    );
    expect(p.name).toBe('dev-local');
    await p.set!('x', 'y');
    expect(statSync(join(box.dir, 'custom', 'store.json')).isFile()).toBe(true);
  });

  it('works behind the SecretManager', async () => {
    const manager = new SecretManager({ providers: [box.make()], cache: { enabled: false } });
    await manager.setSecret('svc/token', 'abc', { expiresAt: '90d', tags: { team: 'a' } });
    expect((await manager.getSecret('svc/token'))?.value).toBe('abc');
    await manager.deleteSecret('svc/token');
    expect(await manager.getSecret('svc/token')).toBeNull();
  });
});
