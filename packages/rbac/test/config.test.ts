import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { accessControlFromConfig, FilePermissionStore, MemoryPermissionStore } from '../src/index.js';

const root = () => mkdtempSync(join(tmpdir(), 'hush-rbac-config-'));

describe('accessControlFromConfig (the accessControl: section of hush.config.yaml)', () => {
  it('enforces with a policy file under the config folder by default', async () => {
    const dir = root();
    const control = accessControlFromConfig({}, { root: dir })!;
    expect(control.enforced).toBe(true);
    expect(control.store).toBeInstanceOf(FilePermissionStore);
    await control.grant('k', 'a', 'read');
    expect(readFileSync(join(dir, '.hush', 'permissions.yaml'), 'utf8')).toContain('accessor: a');
  });

  it('takes enforce, defaults, root accessors and the store kind', async () => {
    const auditStore = new MemoryPermissionStore();
    const control = accessControlFromConfig(
      { enforce: false, store: 'audit', defaultPermissions: ['read'], rootAccessors: ['ops'] },
      { root: root(), auditStore },
    )!;
    expect(control.enforced).toBe(false);
    expect(control.store).toBe(auditStore);
    expect(control.defaultPermissions).toEqual(['read']);
    expect(await control.hasPermission('x', 'ops', 'admin')).toBe(true);
    expect(accessControlFromConfig({ store: 'memory' }, { root: root() })!.store).toBeInstanceOf(
      MemoryPermissionStore,
    );
    expect(accessControlFromConfig(undefined, { root: root() })).toBeUndefined();

    const recorded: string[] = [];
    const audit = { recordPermissionChange: (c: { operation: string }) => void recorded.push(c.operation) };
    await accessControlFromConfig({ store: 'memory' }, { root: root(), audit })!.grant('k', 'a', 'read');
    expect(recorded).toEqual(['grant']);
    expect(accessControlFromConfig({ enabled: false }, { root: root() })).toBeUndefined();
  });

  it('refuses bad options with the file and the path', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ enforce: 'yes' }, 'accessControl.enforce'],
      [{ store: 'sqlite' }, 'accessControl.store'],
      [{ store: 'audit' }, 'accessControl.store'],
      [{ defaultPermissions: ['read', 'own'] }, 'accessControl.defaultPermissions[1]'],
      [{ rootAccessors: 'ops' }, 'accessControl.rootAccessors'],
      [{ colour: 1 }, 'accessControl.colour'],
    ];
    for (const [section, path] of cases) {
      let error: unknown;
      try {
        accessControlFromConfig(section, { root: root(), file: 'hush.config.yaml' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(path);
    }
  });
});
