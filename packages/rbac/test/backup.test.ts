import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PermissionStore, UnsupportedOperationError, ValidationError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import {
  FilePermissionStore,
  MemoryPermissionStore,
  type PermissionPolicy,
  type PolicyDocument,
  SecretAccessControl,
} from '../src/index.js';

const folder = () => mkdtempSync(join(tmpdir(), 'hush-rbac-backup-'));

/** The two stores that answer at once, each in a fresh folder. */
const syncStores: Array<[string, () => PermissionStore]> = [
  ['memory', () => new MemoryPermissionStore()],
  ['policy file', () => new FilePermissionStore(join(folder(), 'permissions.yaml'))],
];

async function withGrants(store: PermissionStore): Promise<SecretAccessControl> {
  const control = new SecretAccessControl({ store });
  await control.grant('database-password', 'db-plugin', 'read', { scope: 'plugin', expiresAt: '30d' });
  await control.grant('api-key-*', 'api-consumer', 'read', { scope: 'global' });
  await control.grant('api-key-stripe', 'payment-plugin', 'read', { scope: 'plugin' });
  return control;
}

/** A store that has no synchronous listing, as a database's has not. */
class AsyncOnlyStore implements PermissionStore {
  readonly #inner = new MemoryPermissionStore();
  list: PermissionStore['list'] = (filter) => this.#inner.list(filter);
  put: PermissionStore['put'] = (grant) => this.#inner.put(grant);
  remove: PermissionStore['remove'] = (match) => this.#inner.remove(match);
  replaceAll: PermissionStore['replaceAll'] = (grants) => this.#inner.replaceAll(grants);
}

describe('backup and restore of grants', () => {
  for (const [kind, makeStore] of syncStores) {
    it(`${kind}: exportPermissions() is the document itself, so JSON.stringify of it is the backup`, async () => {
      const accessControl = await withGrants(makeStore());
      const file = join(folder(), 'permissions-backup.json');

      // As a user writes it: no await on the export.
      const permissions = accessControl.exportPermissions();
      writeFileSync(file, JSON.stringify(permissions, null, 2));

      expect(typeof (permissions as unknown as { then?: unknown }).then).toBe('undefined');
      const saved = JSON.parse(readFileSync(file, 'utf8')) as PermissionPolicy;
      expect(saved.version).toBe(1);
      expect(saved.grants.map((g) => [g.secret, g.accessor, g.permission, g.scope])).toEqual([
        ['api-key-*', 'api-consumer', 'read', 'global'],
        ['api-key-stripe', 'payment-plugin', 'read', 'plugin'],
        ['database-password', 'db-plugin', 'read', 'plugin'],
      ]);
      expect(saved).toEqual(await accessControl.exportPermissionsAsync());

      // Restoring the same document changes nothing; restoring the file's copy into an empty control restores all.
      expect(await accessControl.importPermissions(permissions)).toBe(3);
      expect(accessControl.exportPermissions()).toEqual(saved);
      const fresh = new SecretAccessControl({ store: makeStore() });
      expect(await fresh.importPermissions(saved)).toBe(3);
      expect(fresh.exportPermissions()).toEqual(saved);
    });
  }

  it('a restore of an older backup keeps the grants made since (merge is the default)', async () => {
    const control = await withGrants(new MemoryPermissionStore());
    const backup = control.exportPermissions();
    await control.grant('new-secret', 'new-plugin', 'write');
    await control.revoke('api-key-stripe', 'payment-plugin');
    await control.importPermissions(backup);
    expect((await control.listPermissions()).map((g) => `${g.secret}:${g.accessor}`)).toEqual([
      'api-key-*:api-consumer',
      'api-key-stripe:payment-plugin',
      'database-password:db-plugin',
      'new-secret:new-plugin',
    ]);
  });

  it('the file store reads at once what another process wrote', async () => {
    const path = join(folder(), 'permissions.yaml');
    const reader = new SecretAccessControl({ store: new FilePermissionStore(path) });
    expect(reader.exportPermissions().grants).toEqual([]);
    await withGrants(new FilePermissionStore(path));
    expect(reader.exportPermissions().grants).toHaveLength(3);
  });

  it('a store without a synchronous listing refuses exportPermissions() and names the asynchronous one', async () => {
    const control = await withGrants(new AsyncOnlyStore());
    expect(() => control.exportPermissions()).toThrow(UnsupportedOperationError);
    expect(() => control.exportPermissions()).toThrow(/AsyncOnlyStore.*await exportPermissionsAsync\(\)/);
    expect((await control.exportPermissionsAsync()).grants).toHaveLength(3);
  });
});

describe('importPermissions refuses what is not a policy document', () => {
  const notDocuments: Array<[string, () => unknown, RegExp]> = [
    [
      'a Promise (an export not awaited)',
      () => new SecretAccessControl().exportPermissionsAsync(),
      /got a Promise.*await it first/,
    ],
    [
      'another thenable',
      // biome-ignore lint/suspicious/noThenProperty: the thenable is what the test is about
      () => ({ then: () => undefined, grants: [] }),
      /got a Promise/,
    ],
    ['an empty object', () => ({}), /policy\.grants: missing/],
    ['the JSON of an empty object', () => '{}', /policy\.grants: missing/],
    ['a document of another version', () => ({ version: 2, grants: [] }), /unsupported version 2/],
    ['a version given as text', () => ({ version: '1', grants: [] }), /unsupported version "1"/],
    ['grants that are not a list', () => ({ version: 1, grants: 'all' }), /grants: expected a list/],
    ['an unknown top-level field', () => ({ version: 1, grant: [] }), /unknown field 'grant'/],
    [
      'an unknown field in a grant',
      () => ({ version: 1, grants: [{ secret: 'a', accessor: 'b', permission: 'read', expires: '30d' }] }),
      /grants\[0\]: unknown field 'expires'/,
    ],
    ['a list', () => [], /got a list/],
    ['null', () => null, /got nothing/],
    ['empty text', () => '  ', /got nothing/],
    ['a number', () => 42, /got number/],
  ];

  for (const [what, input, message] of notDocuments)
    for (const mode of ['merge', 'replace'] as const)
      it(`${what}, in ${mode} mode: a ValidationError, and every grant stays`, async () => {
        const control = await withGrants(new MemoryPermissionStore());
        const before = control.exportPermissions();
        const error = await control.importPermissions(input() as PolicyDocument, { mode }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(message);
        expect(control.exportPermissions()).toEqual(before);
      });

  it('an empty grants list in replace mode is an explicit instruction: it drops every grant', async () => {
    const control = await withGrants(new MemoryPermissionStore());
    expect(await control.importPermissions({ version: 1, grants: [] }, { mode: 'replace' })).toBe(0);
    expect(control.exportPermissions().grants).toEqual([]);
  });

  it('an unknown import option is refused before anything changes', async () => {
    const control = await withGrants(new MemoryPermissionStore());
    const before = control.exportPermissions();
    await expect(
      control.importPermissions({ version: 1, grants: [] }, { replace: true } as never),
    ).rejects.toThrow(/unknown option 'replace'/);
    expect(control.exportPermissions()).toEqual(before);
  });
});

describe('grant options', () => {
  const clock = () => new Date('2026-06-01T12:00:00.000Z');

  it('an expiry date that has passed is refused with a message that says so', async () => {
    const control = new SecretAccessControl({ now: clock });
    const refused = await control
      .grant('api-key-stripe', 'payment-plugin', 'read', { scope: 'plugin', expiresAt: '2025-12-31' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toBe(
      "expiresAt '2025-12-31' (2025-12-31T00:00:00.000Z) has passed (it is 2026-06-01T12:00:00.000Z now): give a later date, or a duration such as '30d'",
    );
    expect(await control.listPermissions()).toEqual([]);
    const granted = await control.grant('api-key-stripe', 'payment-plugin', 'read', {
      scope: 'plugin',
      expiresAt: '2026-12-31',
    });
    expect(granted.expiresAt?.toISOString()).toBe('2026-12-31T00:00:00.000Z');
  });

  it('unknown options of the constructor, grant, revoke and listPermissions are refused', async () => {
    expect(() => new SecretAccessControl({ enforce: true } as never)).toThrow(
      /SecretAccessControl: unknown option 'enforce'/,
    );
    const control = new SecretAccessControl();
    await expect(control.grant('a', 'b', 'read', { expires: '30d' } as never)).rejects.toThrow(
      /grant: unknown option 'expires'/,
    );
    expect(await control.listPermissions()).toEqual([]);
    await expect(control.revoke('a', 'b', { scopes: 'plugin' } as never)).rejects.toThrow(
      /revoke: unknown option 'scopes'/,
    );
    await expect(control.listPermissions('a', { includeExpire: true } as never)).rejects.toThrow(
      /listPermissions: unknown option 'includeExpire'/,
    );
  });
});
