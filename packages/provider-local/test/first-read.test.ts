import fs, { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { ConfigError, IntegrityError } from '@hush/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeKeyFile } from '../src/index.js';
import { editStore, type Sandbox, sandbox, thrown } from './helpers.js';

// The first read of a fresh provider: the store, its key file and its state file each read once,
// through one descriptor each, while every check still runs on that first read.

let box: Sandbox;
let keyFile: string;
beforeEach(async () => {
  box = sandbox();
  keyFile = join(box.dir, '.hush', 'master.key');
  await writeKeyFile(keyFile, box.key);
  await box.make({ masterKey: undefined }).setMany({ a: 'one', b: 'two' });
});
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
  box.cleanup();
});

/** How a fresh provider reads: through the thread pool (the default), or on its own thread. */
const MODES = [
  { mode: 'callback reads', options: {}, api: 'open', other: 'openSync' },
  { mode: 'syncReads', options: { syncReads: true }, api: 'openSync', other: 'open' },
] as const;

describe.each(MODES)(
  'local provider: the first read of a fresh provider ($mode)',
  ({ options, api, other }) => {
    /** A provider reading the key file, as `hush` does; the paths it opens, by each API, are counted. */
    function counted() {
      const opened = { open: [] as string[], openSync: [] as string[] };
      const open = fs.open;
      vi.spyOn(fs, 'open').mockImplementation(((path: unknown, ...rest: unknown[]) => {
        opened.open.push(String(path));
        (open as (...a: unknown[]) => void)(path, ...rest);
      }) as typeof fs.open);
      const openSync = fs.openSync;
      vi.spyOn(fs, 'openSync').mockImplementation(((path: unknown, ...rest: unknown[]) => {
        opened.openSync.push(String(path));
        return (openSync as (...a: unknown[]) => number)(path, ...rest);
      }) as typeof fs.openSync);
      // The provider imports open by name: Node's module of node:fs takes the wrapped one now.
      syncBuiltinESMExports();
      const times = (by: 'open' | 'openSync', name: string) =>
        opened[by].filter((p) => p.endsWith(name)).length;
      return { provider: box.make({ masterKey: undefined, ...options }), times };
    }
    const fresh = () => box.make({ masterKey: undefined, ...options });

    it('reads the store, the key file and the state file once across initialize, get and list', async () => {
      const { provider, times } = counted();
      await provider.initialize();
      expect((await provider.get('a'))?.value).toBe('one');
      expect((await provider.list()).map((info) => info.key)).toEqual(['a', 'b']);
      expect(provider.metrics()).toMatchObject({ fileReads: 1, keyDerivations: 1 });
      const files = ['secrets.enc.json', 'master.key', 'state.json'];
      expect(files.map((file) => times(api, file))).toEqual([1, 1, 1]);
      expect(files.map((file) => times(other, file))).toEqual([0, 0, 0]);
    });

    it('shares one read among concurrent first reads', async () => {
      const { provider, times } = counted();
      const values = await Promise.all([provider.get('a'), provider.get('b'), provider.initialize()]);
      expect(values.slice(0, 2).map((s) => s?.value)).toEqual(['one', 'two']);
      expect(['secrets.enc.json', 'master.key', 'state.json'].map((file) => times(api, file))).toEqual([
        1, 1, 1,
      ]);
    });

    it('leaves the state file alone when the generation is the one it holds', async () => {
      const state = join(box.dir, '.hush', 'state.json');
      const before = statSync(state).mtimeMs;
      await fresh().initialize();
      expect(statSync(state).mtimeMs).toBe(before);
    });

    it('still refuses a tampered store on the first read, by initialize and by get', async () => {
      editStore(box.store, (doc) => {
        doc.generation += 1;
      });
      expect(await thrown(() => fresh().initialize())).toBeInstanceOf(IntegrityError);
      expect(await thrown(() => fresh().get('a'))).toBeInstanceOf(IntegrityError);
    });

    it('still refuses a rolled-back store on the first read (the state file read beside it)', async () => {
      const older = readFileSync(box.store);
      await box.make({ masterKey: undefined }).set('a', 'newer');
      writeFileSync(box.store, older, { mode: 0o600 });
      const error = await thrown(() => fresh().initialize());
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error.message).toMatch(/older than generation 2/);
    });

    it('reports a key file others can read before anything about the store', async () => {
      chmodSync(keyFile, 0o644);
      chmodSync(join(box.dir, '.hush'), 0o777);
      const error = await thrown(() => fresh().initialize());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/key file .* is accessible by group or others/);
    });

    it('still refuses a folder others can write to, read while the store is', async () => {
      chmodSync(join(box.dir, '.hush'), 0o777);
      const error = await thrown(() => fresh().get('a'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/folder .* is writable by group or others/);
    });

    it('returns nothing for a store not created yet, whatever its key file', async () => {
      const elsewhere = sandbox();
      try {
        const key = join(elsewhere.dir, '.hush', 'master.key');
        await writeKeyFile(key);
        chmodSync(key, 0o644);
        const provider = elsewhere.make({ masterKey: undefined, ...options });
        // The key file is read ahead of a store that turns out absent: its problem is not a read's.
        expect(await provider.get('a')).toBeNull();
        expect(await provider.list()).toEqual([]);
        expect(await thrown(() => provider.initialize())).toBeInstanceOf(ConfigError);
      } finally {
        elsewhere.cleanup();
      }
    });
  },
);

describe('local provider: syncReads', () => {
  it('refuses a value that is not true or false', () => {
    expect(() => box.make({ syncReads: 'yes' as unknown as boolean })).toThrow(ConfigError);
  });

  it('reads what a write through it wrote, and what a default provider wrote after', async () => {
    const sync = box.make({ syncReads: true });
    await sync.set('c', 'three');
    expect((await sync.get('c'))?.value).toBe('three');
    await box.make().set('c', 'four');
    expect((await sync.get('c'))?.value).toBe('four');
    expect((await box.make({ syncReads: true }).get('c'))?.value).toBe('four');
  });
});
