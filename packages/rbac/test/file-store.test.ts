import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { FilePermissionStore, SecretAccessControl } from '../src/index.js';

function dir() {
  return mkdtempSync(join(tmpdir(), 'hush-rbac-'));
}

describe('FilePermissionStore (policy file)', () => {
  it('saves grants as YAML and loads them back in a new control', async () => {
    const path = join(dir(), 'policy.yaml');
    const first = new SecretAccessControl({ store: new FilePermissionStore(path) });
    await first.grant('api-key-*', 'api-consumer', 'read');
    await first.grant('db-password', 'db-plugin', 'read', { scope: 'plugin', expiresAt: '30d' });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('version: 1');
    expect(text).toContain('secret: api-key-*');
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const second = new SecretAccessControl({ store: new FilePermissionStore(path) });
    expect(await second.hasPermission('api-key-stripe', 'api-consumer', 'read')).toBe(true);
    expect(await second.hasPermission('db-password', 'db-plugin', 'read', 'plugin')).toBe(true);
    expect(await second.exportPermissions()).toEqual(await first.exportPermissions());
  });

  it('writes JSON for a .json path', async () => {
    const path = join(dir(), 'policy.json');
    const control = new SecretAccessControl({ store: new FilePermissionStore(path) });
    await control.grant('k', 'a', 'write');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc).toMatchObject({
      version: 1,
      grants: [{ secret: 'k', accessor: 'a', permission: 'write', scope: 'global' }],
    });
  });

  it('reads a hand-written policy and sees later edits', async () => {
    const path = join(dir(), 'policy.yml');
    writeFileSync(path, 'grants:\n  - secret: "payments/*"\n    accessor: billing\n    permission: read\n', {
      mode: 0o600,
    });
    const control = new SecretAccessControl({ store: new FilePermissionStore(path) });
    expect(await control.hasPermission('payments/stripe', 'billing', 'read')).toBe(true);
    writeFileSync(
      path,
      'grants:\n  - secret: "payments/*"\n    accessor: billing\n    permission: write\n    scope: user\n# edited\n',
      { mode: 0o600 },
    );
    expect(await control.hasPermission('payments/stripe', 'billing', 'read')).toBe(false);
    expect(await control.hasPermission('payments/stripe', 'billing', 'write', 'user')).toBe(true);
  });

  it('a missing file is an empty policy; a broken one is a ConfigError naming the file and field', async () => {
    const folder = dir();
    const missing = new SecretAccessControl({ store: new FilePermissionStore(join(folder, 'none.yaml')) });
    expect(await missing.listPermissions()).toEqual([]);
    const path = join(folder, 'broken.yaml');
    writeFileSync(path, 'grants:\n  - secret: k\n    accessor: a\n    permission: superuser\n', {
      mode: 0o600,
    });
    const error = await new SecretAccessControl({ store: new FilePermissionStore(path) })
      .listPermissions()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(path);
    expect((error as ConfigError).message).toContain('grants[0].permission');
  });

  it('keeps every grant when many are written at once', async () => {
    const path = join(dir(), 'policy.yaml');
    const control = new SecretAccessControl({ store: new FilePermissionStore(path) });
    await Promise.all(Array.from({ length: 40 }, (_, i) => control.grant(`secret-${i}`, 'app', 'read')));
    const reread = new SecretAccessControl({ store: new FilePermissionStore(path) });
    expect(await reread.listPermissions()).toHaveLength(40);
    expect(await reread.revoke('secret-3', 'app')).toBe(1);
    expect(await control.listPermissions()).toHaveLength(39);
  });
});

describe('FilePermissionStore: several writers and loose modes', () => {
  it('keeps every grant when separate stores (as separate processes) write at once, and a revoke stays revoked', async () => {
    const path = join(dir(), 'policy.yaml');
    const writers = Array.from(
      { length: 12 },
      () => new SecretAccessControl({ store: new FilePermissionStore(path) }),
    );
    await writers[0]!.grant('revoked', 'eve', 'read');
    await Promise.all([
      ...writers.map((w, i) => w.grant(`s${i}`, `accessor-${i}`, 'read')),
      writers[0]!.revoke('revoked', 'eve'),
    ]);
    const all = await new FilePermissionStore(path).list();
    expect(all.map((g) => g.secret).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
  });

  it('refuses a policy file that group or others can access, with the chmod hint', async () => {
    const path = join(dir(), 'policy.yaml');
    writeFileSync(path, 'version: 1\ngrants: []\n', { mode: 0o666 });
    chmodSync(path, 0o666);
    const error = await new FilePermissionStore(path).list().catch((e: Error & { hint?: string }) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('mode 0666');
    expect((error as { hint?: string }).hint).toContain(`chmod 600 ${path}`);
    expect(await new FilePermissionStore(path, { allowInsecurePermissions: true }).list()).toEqual([]);
  });
});
