import { chmodSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, IntegrityError } from '@hush/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateMasterKey, listBackups, writeKeyFile } from '../src/index.js';
import { editStore, readDoc, type Sandbox, sandbox, thrown, writeDoc } from './helpers.js';

const PLANTED = ['planted-alpha-7f3a', 'planted-beta-91c2'];

let box: Sandbox;
beforeEach(async () => {
  box = sandbox();
  const p = box.make();
  await p.set('alpha', PLANTED[0]!);
  await p.set('beta', PLANTED[1]!);
});
afterEach(() => box.cleanup());

// Tampering goes through the document so that only the targeted field changes.
function edit(change: (doc: any) => void): void {
  editStore(box.store, change);
}

function flipByte(base64: string, at = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}

async function expectIntegrityError(name?: string) {
  const error = await thrown(() => box.make().get('alpha'));
  expect(error).toBeInstanceOf(IntegrityError);
  if (name) expect(error.secretName).toBe(name);
  for (const value of PLANTED) expect(`${error.message} ${error.hint ?? ''}`).not.toContain(value);
  return error;
}

describe('local provider: tampering is detected', () => {
  it('(control) a rewrite that changes nothing still verifies, also with CRLF line endings', async () => {
    edit(() => undefined);
    expect((await box.make().get('alpha'))?.value).toBe(PLANTED[0]);
    writeFileSync(box.store, readFileSync(box.store, 'utf8').replace(/\n/g, '\r\n'));
    expect((await box.make().get('beta'))?.value).toBe(PLANTED[1]);
  });

  it('two ciphertexts swapped between names', async () => {
    edit((doc) => {
      const a = doc.secrets.alpha.versions['1'];
      doc.secrets.alpha.versions['1'] = doc.secrets.beta.versions['1'];
      doc.secrets.beta.versions['1'] = a;
    });
    await expectIntegrityError('alpha');
  });

  it('a ciphertext moved to another version of the same name', async () => {
    await box.make().set('alpha', 'second');
    edit((doc) => {
      const v = doc.secrets.alpha.versions;
      [v['1'], v['2']] = [v['2'], v['1']];
    });
    await expectIntegrityError('alpha');
  });

  for (const field of ['ct', 'tag', 'iv'] as const)
    it(`one byte of the ${field} edited`, async () => {
      edit((doc) => {
        doc.secrets.alpha.versions['1'][field] = flipByte(doc.secrets.alpha.versions['1'][field]);
      });
      await expectIntegrityError('alpha');
    });

  it('a ciphertext copied from another store opened by the same key', async () => {
    const other = box.make({ path: 'other/secrets.enc.json', statePath: false });
    await other.set('alpha', 'from-the-other-store');
    const foreign = readDoc(other.path).secrets.alpha!.versions['1'];
    edit((doc) => {
      doc.secrets.alpha.versions['1'] = foreign;
    });
    await expectIntegrityError('alpha');
    // Even a deliberate reseal refuses it.
    expect((await thrown(() => box.make().reseal())).secretName).toBe('alpha');
  });

  it('a truncated ciphertext', async () => {
    edit((doc) => {
      doc.secrets.alpha.versions['1'].ct = doc.secrets.alpha.versions['1'].ct.slice(0, 4);
    });
    await expectIntegrityError('alpha');
  });

  it('an entry deleted', async () => {
    edit((doc) => {
      delete doc.secrets.beta;
    });
    const error = await expectIntegrityError();
    expect(error.message).toMatch(/file MAC/);
  });

  it('an entry rolled back to an older version (newest version removed)', async () => {
    await box.make().set('alpha', 'newer');
    edit((doc) => {
      delete doc.secrets.alpha.versions['2'];
    });
    expect((await expectIntegrityError()).message).toMatch(/file MAC/);
  });

  it('tags or expiry edited in clear text', async () => {
    edit((doc) => {
      doc.secrets.alpha.tags = { env: 'prod' };
    });
    await expectIntegrityError();
  });

  it('an entry added by hand', async () => {
    edit((doc) => {
      doc.secrets.gamma = doc.secrets.beta;
    });
    await expectIntegrityError();
  });

  it('an older copy of the whole file replayed', async () => {
    const old = join(box.dir, 'old.json');
    copyFileSync(box.store, old);
    await box.make().set('alpha', 'rotated');
    copyFileSync(old, box.store);
    const error = await expectIntegrityError();
    expect(error.message).toMatch(/older than generation/);
    const state = JSON.parse(readFileSync(join(box.dir, '.hush', 'state.json'), 'utf8'));
    expect(Object.values(state.stores)).toEqual([{ generation: 3 }]);
    expect(statSync(join(box.dir, '.hush', 'state.json')).mode & 0o777).toBe(0o600);
    // A different instance in the same process, i.e. the state file: same answer.
    await expect(box.make().list()).rejects.toBeInstanceOf(IntegrityError);
  });

  it('a truncated file', async () => {
    const text = readFileSync(box.store, 'utf8');
    writeFileSync(box.store, text.slice(0, text.length / 2));
    await expectIntegrityError();
  });

  it('refuses to write over a tampered store', async () => {
    edit((doc) => {
      delete doc.secrets.beta;
    });
    await expect(box.make().set('new', 'x')).rejects.toBeInstanceOf(IntegrityError);
  });
});

describe('local provider: reseal after a merge', () => {
  it('accepts a merged file only on request, with a backup, and only if every entry authenticates', async () => {
    // Two branches add different secrets to the same store; a merge keeps both entries.
    const base = readFileSync(box.store, 'utf8');
    await box.make().set('ours', 'o');
    const ours = readDoc(box.store);
    writeFileSync(box.store, base);
    await box.make({ statePath: false }).set('theirs', 't');
    const theirs = readDoc(box.store);
    writeDoc(box.store, { ...ours, secrets: { ...ours.secrets, theirs: theirs.secrets.theirs! } });

    await expect(box.make().get('ours')).rejects.toBeInstanceOf(IntegrityError);
    const p = box.make();
    const result = await p.reseal();
    expect(result).toMatchObject({ secrets: 4, versions: 4 });
    expect(result.backup).toBeDefined();
    expect((await box.make().get('theirs'))?.value).toBe('t');
    expect((await box.make().get('ours'))?.value).toBe('o');
  });

  it('refuses to reseal a forged entry and names it', async () => {
    edit((doc) => {
      doc.secrets.beta.versions['1'].ct = flipByte(doc.secrets.beta.versions['1'].ct);
    });
    const error = await thrown(() => box.make().reseal());
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.secretName).toBe('beta');
  });

  it('accepts a deliberately restored older file after reseal', async () => {
    const old = join(box.dir, 'old.json');
    copyFileSync(box.store, old);
    await box.make().set('alpha', 'rotated');
    copyFileSync(old, box.store);
    await expect(box.make().get('alpha')).rejects.toBeInstanceOf(IntegrityError);
    await box.make().reseal();
    expect((await box.make().get('alpha'))?.value).toBe(PLANTED[0]);
  });

  it('explains an unresolved merge conflict', async () => {
    writeFileSync(box.store, `<<<<<<< HEAD\n${readFileSync(box.store, 'utf8')}=======\n{}\n>>>>>>> other\n`);
    const error = await thrown(() => box.make().get('alpha'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(/merge conflict/);
  });
});

describe('local provider: file permissions', () => {
  it('refuses a 0644 store and says how to fix it, unless overridden', async () => {
    chmodSync(box.store, 0o644);
    const error = await thrown(() => box.make().get('alpha'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/accessible by group or others \(mode 0644\)/);
    expect(error.hint).toBe(
      `fix it with: chmod 600 ${box.store}   (or set allowInsecurePermissions: true to override)`,
    );
    expect((await box.make({ allowInsecurePermissions: true }).get('alpha'))?.value).toBe(PLANTED[0]);
  });

  it('refuses a key file readable by others', async () => {
    const keyFile = join(box.dir, '.hush', 'master.key');
    await writeKeyFile(keyFile, box.key);
    chmodSync(keyFile, 0o640);
    const p = box.make({ masterKey: undefined });
    await expect(p.get('alpha')).rejects.toThrow(/chmod 600|accessible by group or others/);
  });
});

describe('local provider: backups', () => {
  it('backs up before delete, rekey and reseal, never before a plain set, and prunes to the limit', async () => {
    const p = box.make({ backups: 2 });
    await p.set('alpha', 'x');
    expect(await listBackups(box.store)).toHaveLength(0);
    const before = readFileSync(box.store, 'utf8');
    await p.delete('beta');
    const afterDelete = await listBackups(box.store);
    expect(afterDelete).toHaveLength(1);
    expect(readFileSync(afterDelete[0]!, 'utf8')).toBe(before);
    expect(statSync(afterDelete[0]!).mode & 0o777).toBe(0o600);
    await p.rekey({ masterKey: generateMasterKey() });
    expect(await listBackups(box.store)).toHaveLength(2);
    await p.reseal();
    const kept = await listBackups(box.store);
    expect(kept).toHaveLength(2);
    expect(kept).not.toContain(afterDelete[0]);
    expect(
      readdirSync(join(box.dir, '.hush', 'backups')).every((n) => n.startsWith('secrets.enc.json.')),
    ).toBe(true);
  });

  it('a delete of nothing makes no backup', async () => {
    const p = box.make();
    expect(await p.delete('never')).toBe(false);
    expect(await listBackups(box.store)).toHaveLength(0);
  });
});

describe('local provider: what the additional data binds', () => {
  it('a sealed value opens only under its own store id, name and version', async () => {
    const { decryptValue, encryptValue } = await import('../src/crypto.js');
    const key = Buffer.alloc(32, 7);
    const sealed = encryptValue(key, 'store-a', 'alpha', '1', PLANTED[0]!);
    expect(decryptValue(key, 'store-a', 'alpha', '1', sealed)).toBe(PLANTED[0]);
    expect(decryptValue(key, 'store-b', 'alpha', '1', sealed)).toBeNull();
    expect(decryptValue(key, 'store-a', 'beta', '1', sealed)).toBeNull();
    expect(decryptValue(key, 'store-a', 'alpha', '2', sealed)).toBeNull();
  });
});

describe('local provider: the key is verified, never stored', () => {
  it('the file holds neither the key, nor any subkey, nor a plain hash of the key', async () => {
    const { createHash } = await import('node:crypto');
    const text = readFileSync(box.store, 'utf8');
    const raw = Buffer.from(box.key, 'base64');
    for (const form of [
      box.key,
      raw.toString('hex'),
      raw.toString('base64url'),
      createHash('sha256').update(raw).digest('base64'),
      createHash('sha256').update(raw).digest('hex'),
    ])
      expect(text).not.toContain(form);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'format',
      'storeId',
      'kdf',
      'keyCheck',
      'generation',
      'mac',
      'secrets',
      'sealed',
    ]);
  });
});
