import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, IntegrityError, SecretManager, SecretNotFoundError, ValidationError } from '@hush/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretProvider, listBackups } from '../src/index.js';
import { readDoc, type Sandbox, sandbox, thrown, writeDoc } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const readStore = (): any => readDoc(box.store);

describe('local provider: LocalSecretProvider option names', () => {
  it('takes storePath as the store file (path wins when both are given)', async () => {
    const p = new LocalSecretProvider({
      root: box.dir,
      env: {},
      storePath: '.claude/secrets/local.enc.json',
      masterKey: box.key,
    });
    await p.set('a', 'x');
    expect(existsSync(join(box.dir, '.claude', 'secrets', 'local.enc.json'))).toBe(true);
    const both = box.make({ storePath: 'ignored.json', path: 'chosen.json' });
    expect(both.path).toBe(join(box.dir, 'chosen.json'));
  });

  it('createIfMissing: false refuses a missing store at initialize and on write', async () => {
    const p = box.make({ createIfMissing: false });
    const error = await thrown(() => p.initialize());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('does not exist');
    await expect(p.set('a', 'x')).rejects.toBeInstanceOf(ConfigError);
    expect(existsSync(box.store)).toBe(false);
    expect(await p.get('a')).toBeNull();
    await box.make().set('a', 'x');
    await box.make({ createIfMissing: false }).initialize();
    await box.make({ createIfMissing: false }).set('b', 'y');
    expect((await box.make().get('b'))?.value).toBe('y');
  });

  it('fileMode sets the store mode; a mode open to group or others is refused unless overridden', async () => {
    await box.make({ fileMode: 0o400 }).set('a', 'x');
    expect(statSync(box.store).mode & 0o777).toBe(0o400);
    await box.make({ fileMode: 0o400 }).set('a', 'y');
    expect((await box.make().get('a'))?.value).toBe('y');
    expect(() => box.make({ fileMode: 0o644 })).toThrow(/group or others/);
    expect(() => box.make({ fileMode: 0o200 })).toThrow(ConfigError);
    await box.make({ fileMode: 0o640, allowInsecurePermissions: true }).set('a', 'z');
    expect(statSync(box.store).mode & 0o777).toBe(0o640);
    expect((await thrown(() => box.make().get('a'))).hint).toMatch(/chmod 600/);
  });
});

describe('local provider: versions', () => {
  it('keeps the newest 10 versions by default', async () => {
    const p = box.make();
    for (let i = 1; i <= 12; i++) await p.set('k', `v${i}`);
    const versions = await p.listVersions('k');
    expect(versions).toHaveLength(10);
    expect(versions.map((v) => v.version)).toEqual(['12', '11', '10', '9', '8', '7', '6', '5', '4', '3']);
    expect(await p.get('k', { version: '2' })).toBeNull();
    expect((await p.get('k', { version: '3' }))?.value).toBe('v3');
  });

  it('serves getSecretVersions, getSecretVersion and rollbackSecret through the manager', async () => {
    const manager = new SecretManager({ providers: [box.make()], cache: { enabled: false } });
    await manager.setSecret('api', 'one', { tags: { team: 'a' }, scope: 'svc', metadata: { owner: 'ops' } });
    await manager.setSecret('api', 'two');
    const versions = await manager.getSecretVersions('api');
    expect(versions.map((v) => [v.version, v.current])).toEqual([
      ['2', true],
      ['1', false],
    ]);
    expect((await manager.getSecretVersion('api', 1)).value).toBe('one');
    const rolled = await manager.rollbackSecret('api', '1');
    expect(rolled.version).toBe('3');
    const current = (await manager.getSecret('api'))!;
    expect(current.value).toBe('one');
    expect(current.tags).toEqual({ team: 'a' });
    expect(current.metadata).toMatchObject({ owner: 'ops' });
    await expect(manager.getSecretVersion('api', 9)).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});

describe('local provider: destroyVersion', () => {
  it('removes one older version for good, after a backup, keeping the others byte-identical', async () => {
    const p = box.make();
    for (const v of ['one', 'two', 'three']) await p.set('k', v);
    await p.set('other', 'o');
    const before = readFileSync(box.store, 'utf8');
    const kept = readStore().secrets.k.versions['1'];
    expect(await p.destroyVersion('k', '2')).toBe(true);
    const backups = await listBackups(box.store);
    expect(backups).toHaveLength(1);
    expect(readFileSync(backups[0]!, 'utf8')).toBe(before);
    expect(readStore().secrets.k.versions['2']).toBeUndefined();
    expect(readStore().secrets.k.versions['1']).toEqual(kept);
    const fresh = box.make();
    expect(await fresh.get('k', { version: '2' })).toBeNull();
    expect((await fresh.get('k', { version: '1' }))?.value).toBe('one');
    expect((await fresh.get('k'))?.value).toBe('three');
    expect((await fresh.listVersions('k')).map((v) => v.version)).toEqual(['3', '1']);
    // The next version number is not reused.
    expect((await fresh.set('k', 'four')).version).toBe('4');
  });

  it('returns false for a missing version or secret and refuses the current version', async () => {
    const p = box.make();
    await p.set('k', 'one');
    expect(await p.destroyVersion('k', '7')).toBe(false);
    expect(await p.destroyVersion('nope', '1')).toBe(false);
    await expect(p.destroyVersion('k', '1')).rejects.toBeInstanceOf(ValidationError);
    expect((await p.get('k'))?.value).toBe('one');
    expect(await listBackups(box.store)).toHaveLength(0);
  });
});

describe('local provider: scale', () => {
  it('holds 10,000 secrets; a fresh instance reads one decrypting only that one', async () => {
    const entries = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`app/s${i}/token`, `v${i}`]),
    );
    const writer = box.make();
    await writer.setMany(entries);
    expect(writer.metrics().fileWrites).toBe(1);
    const fresh = box.make();
    expect((await fresh.get('app/s4242/token'))?.value).toBe('v4242');
    expect(fresh.metrics()).toMatchObject({ decryptions: 1, keyDerivations: 1, fileReads: 1 });
    expect(await fresh.list({ prefix: 'app/s999' })).toHaveLength(11);
    expect(fresh.metrics().decryptions).toBe(1);
  }, 60_000);
});

describe('local provider: stable bytes across processes', () => {
  it('a fresh instance writing one entry leaves every other entry byte-identical in the file', async () => {
    await box.make().setMany({ a: 'alpha', b: 'beta', c: 'gamma' });
    // Each entry's two lines (its dates and tags, its ciphertexts), without the comma that follows.
    const entryText = (text: string, name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`"${name}":`))
        .map((line) => line.replace(/,$/, ''))
        .join('\n');
    const before = readFileSync(box.store, 'utf8');
    await box.make().set('b', 'beta-2');
    await box.make({ masterKey: box.key }).setMany({ d: 'delta' });
    const after = readFileSync(box.store, 'utf8');
    expect(entryText(after, 'a')).toBe(entryText(before, 'a'));
    expect(entryText(after, 'c')).toBe(entryText(before, 'c'));
    expect(entryText(after, 'b')).not.toBe(entryText(before, 'b'));
  });
});

describe('local provider: PBKDF2-SHA256 for passphrases', () => {
  const passphrase = 'correct horse battery staple';
  it('stores its iterations in the file, reopens from the file alone, refuses a wrong passphrase', async () => {
    const p = new LocalSecretProvider({ root: box.dir, env: {}, passphrase, pbkdf2: {} });
    await p.set('k', 'v');
    expect(readStore().kdf).toEqual({ name: 'pbkdf2-sha256', salt: expect.any(String), iterations: 600_000 });
    // The file says which KDF: no pbkdf2 option is needed to open it.
    expect((await new LocalSecretProvider({ root: box.dir, env: {}, passphrase }).get('k'))?.value).toBe('v');
    await expect(
      new LocalSecretProvider({ root: box.dir, env: {}, passphrase: 'wrong' }).get('k'),
    ).rejects.toThrow(/wrong passphrase/);
  }, 30_000);

  it('refuses fewer than 600,000 iterations: in options as a configuration error, in the file as tampering', async () => {
    const few = new LocalSecretProvider({
      root: box.dir,
      env: {},
      passphrase,
      pbkdf2: { iterations: 100_000 },
    });
    await expect(few.set('k', 'v')).rejects.toThrow(/iterations must be from 600000 to 5000000/);
    await new LocalSecretProvider({ root: box.dir, env: {}, passphrase, pbkdf2: {} }).set('k', 'v');
    const doc = readStore();
    doc.kdf.iterations = 1000;
    writeDoc(box.store, doc);
    const error = await thrown(() =>
      new LocalSecretProvider({ root: box.dir, env: {}, passphrase }).get('k'),
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(/iterations must be from 600000 to 5000000/);
  }, 30_000);

  it('rekeys to a PBKDF2 passphrase', async () => {
    const p = box.make();
    await p.set('k', 'v');
    await p.rekey({ passphrase, pbkdf2: { iterations: 700_000 } });
    expect(readStore().kdf).toMatchObject({ name: 'pbkdf2-sha256', iterations: 700_000 });
    expect((await new LocalSecretProvider({ root: box.dir, env: {}, passphrase }).get('k'))?.value).toBe('v');
  }, 30_000);
});
