import fs, { readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { ConfigError, IntegrityError, SecretManager, ValidationError } from '@hush/core';
import lockfile from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateMasterKey, LocalSecretProvider, pendingKeyFile, writeKeyFile } from '../src/index.js';
import type { StoreDocument } from '../src/store-file.js';
import { readDoc, type Sandbox, sandbox, thrown, writeDoc } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const readStore = (): any => readDoc(box.store);
const writeStore = (doc: StoreDocument) => writeDoc(box.store, doc);

/** A read-only second provider in the chain: a tampered store must never fall over to it. */
function fallback(value: string) {
  return {
    kind: 'memory',
    name: 'memory',
    capabilities: {
      write: false,
      delete: false,
      list: true,
      versions: false,
      tags: false,
      expiry: false,
      batchGet: false,
    },
    async get(key: string) {
      const { createSecret } = await import('@hush/core');
      return createSecret({ key, value, version: '1', provider: 'memory' });
    },
    async list() {
      return [];
    },
  };
}

describe('local provider: key-derivation parameters in the file are bounded', () => {
  const passphrase = 'a passphrase for the bounds';

  it.each([
    ['PBKDF2 iterations 2^31-1', { name: 'pbkdf2-sha256', iterations: 2147483647 }],
    ['scrypt N 2^22 (4 GiB)', { name: 'scrypt', N: 4194304, r: 8, p: 1 }],
    ['scrypt N not a power of two', { name: 'scrypt', N: 100000, r: 8, p: 1 }],
    ['scrypt r 0', { name: 'scrypt', N: 16384, r: 0, p: 1 }],
    ['scrypt p 1000', { name: 'scrypt', N: 16384, r: 8, p: 1000 }],
    ['a 1-byte salt', { name: 'scrypt', N: 16384, r: 8, p: 1, salt: 'AA==' }],
  ])('%s: an integrity error before anything is derived, and no fall-over', async (_label, kdf) => {
    const p = new LocalSecretProvider({
      root: box.dir,
      env: {},
      passphrase,
      scrypt: { N: 2 ** 14, r: 8, p: 1 },
    });
    await p.set('k', 'planted-kdf-value');
    const doc = readStore();
    doc.kdf = { ...doc.kdf, ...kdf };
    if (kdf.name === 'pbkdf2-sha256') delete doc.kdf.N;
    writeStore(doc);
    const reader = new LocalSecretProvider({ root: box.dir, env: {}, passphrase });
    const error = await thrown(() => reader.get('k'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).not.toMatch(/ERR_|OpenSSL|Invalid scrypt/i);
    expect(reader.metrics().keyDerivations).toBe(0);
    const manager = new SecretManager({ providers: [reader, fallback('from-the-next-provider') as never] });
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses a cost option beyond the limits too (a writer never makes a store it would refuse)', async () => {
    const p = new LocalSecretProvider({
      root: box.dir,
      env: {},
      passphrase,
      scrypt: { N: 2 ** 21, r: 8, p: 1 },
    });
    await expect(p.set('k', 'v')).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('local provider: values are stored byte for byte or refused', () => {
  it('refuses a lone surrogate with a ValidationError and keeps NUL and astral characters exactly', async () => {
    const p = box.make();
    await expect(p.set('bad', 'x\uD800y')).rejects.toBeInstanceOf(ValidationError);
    await expect(p.setMany({ ok: 'v', bad: '\uDC00' })).rejects.toBeInstanceOf(ValidationError);
    expect(await p.get('ok')).toBeNull();
    const exact = 'a\u0000b\u{1F512}\uFEFF\r\n';
    await p.set('exact', exact);
    expect((await box.make().get('exact'))?.value).toBe(exact);
  });
});

describe('local provider: a symlinked store', () => {
  it('writes through the link into its target; the link stays a link', async () => {
    const real = join(box.dir, 'elsewhere', 'real.enc.json');
    await box.make({ path: real }).set('first', 'one');
    await mkdir(join(box.dir, '.hush'), { recursive: true, mode: 0o700 });
    symlinkSync(real, box.store);
    await box.make().set('second', 'two');
    expect((await lstat(box.store)).isSymbolicLink()).toBe(true);
    const target = box.make({ path: real });
    expect((await target.get('second'))?.value).toBe('two');
    expect((await target.get('first'))?.value).toBe('one');
  });

  it('refuses a link whose target does not exist, instead of replacing the link', async () => {
    await mkdir(join(box.dir, '.hush'), { recursive: true, mode: 0o700 });
    symlinkSync(join(box.dir, 'missing.enc.json'), box.store);
    const error = await thrown(() => box.make().set('k', 'v'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/symbolic link to a file that does not exist/);
    expect((await lstat(box.store)).isSymbolicLink()).toBe(true);
  });
});

describe('local provider: a reader next to an honest writer', () => {
  it('never reports a replay because the writer replaced the file while it was being checked', async () => {
    const writer = box.make();
    await writer.set('a', 'one');
    await writer.set('b', 'two');
    // The interleaving that raised the false alarm, made certain: the reader has read the store
    // (generation 2) and has not yet read state.json when the writer's next write lands.
    let interleave = true;
    let reader: LocalSecretProvider | undefined;
    const original = fs.open;
    const spy = vi.spyOn(fs, 'open').mockImplementation(((path: unknown, ...rest: unknown[]) => {
      const open = () => (original as (...a: unknown[]) => void)(path, ...rest);
      if (interleave && reader && String(path).endsWith('state.json')) {
        interleave = false;
        void (async () => {
          while (reader.metrics().fileReads === 0) await new Promise((r) => setImmediate(r));
          await writer.set('c', 'three');
        })().finally(open);
        return;
      }
      open();
    }) as typeof fs.open);
    // The provider imports open by name: Node's module of node:fs takes the wrapped one now.
    syncBuiltinESMExports();
    try {
      reader = box.make();
      expect((await reader.get('a'))?.value).toBe('one');
      expect(interleave).toBe(false);
      // The store was read at generation 2, then again at 3 (state.json said 3 by then).
      expect(reader.metrics().fileReads).toBe(2);
      expect((await reader.get('c'))?.value).toBe('three');
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
  });

  it('still refuses a genuine older copy of the file put back', async () => {
    const p = box.make();
    await p.set('a', 'one');
    const older = readFileSync(box.store, 'utf8');
    await p.set('a', 'two');
    writeFileSync(box.store, older, { mode: 0o600 });
    expect(await thrown(() => box.make().get('a'))).toBeInstanceOf(IntegrityError);
  });
});

describe('local provider: a rekey interrupted, or in progress in another process', () => {
  async function interruptedRekey() {
    const keyFile = join(box.dir, '.hush', 'master.key');
    const oldKey = await writeKeyFile(keyFile);
    const viaFile = () => new LocalSecretProvider({ root: box.dir, env: {} });
    await viaFile().set('k', 'planted-rekey-value');
    const newKey = generateMasterKey();
    await writeKeyFile(pendingKeyFile(keyFile), newKey);
    // The store is switched; the kill came before the key file was.
    await new LocalSecretProvider({ root: box.dir, env: {}, masterKey: oldKey }).rekey({ masterKey: newKey });
    return { keyFile, oldKey, newKey, viaFile };
  }

  it('names the pending key and how to finish, for the key file and for HUSH_MASTER_KEY', async () => {
    const { keyFile, oldKey, viaFile } = await interruptedRekey();
    const error = await thrown(() => viaFile().get('k'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`${keyFile}.new`);
    expect(error.hint).toContain('hush rekey');
    const env = await thrown(() =>
      new LocalSecretProvider({ root: box.dir, env: { HUSH_MASTER_KEY: oldKey } }).get('k'),
    );
    expect(env.message).toContain('not with HUSH_MASTER_KEY');
    expect(`${error.message}${error.hint}${env.message}${env.hint}`).not.toContain('planted-rekey-value');
  });

  it('waits for a rekey holding its lock, then reads with the key it put in place', async () => {
    const { keyFile, viaFile } = await interruptedRekey();
    const release = await lockfile.lock(keyFile, { realpath: false, stale: 10_000 });
    let settled = false;
    const reading = viaFile()
      .get('k')
      .finally(() => {
        settled = true;
      });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    renameSync(pendingKeyFile(keyFile), keyFile);
    await release();
    expect((await reading)?.value).toBe('planted-rekey-value');
  });
});
