import { AccessDeniedError, ValidationError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { MemoryPermissionStore, SecretAccessControl } from '../src/index.js';

function clock(start = new Date('2026-01-01T00:00:00Z')) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const DAY = 86_400_000;

describe('SecretAccessControl: checks', () => {
  it('denies an unknown accessor by default, with code ACCESS_DENIED', async () => {
    const control = new SecretAccessControl();
    await control.grant('db-password', 'db-plugin', 'read');
    const error = await control.checkPermission('db-password', 'stranger', 'read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).code).toBe('ACCESS_DENIED');
    expect((error as AccessDeniedError).accessor).toBe('stranger');
    expect(await control.hasPermission('db-password', 'stranger', 'read')).toBe(false);
    expect(await control.hasPermission('db-password', undefined, 'read')).toBe(false);
  });

  it('allows exactly what was granted, and admin implies every permission', async () => {
    const control = new SecretAccessControl();
    await control.grant('db-password', 'reader', 'read');
    await control.grant('db-password', 'owner', 'admin');
    await expect(control.checkPermission('db-password', 'reader', 'read')).resolves.toBe(true);
    for (const permission of ['write', 'delete', 'rotate', 'admin'] as const)
      expect(await control.hasPermission('db-password', 'reader', permission)).toBe(false);
    for (const permission of ['read', 'write', 'delete', 'rotate', 'admin'] as const)
      expect(await control.hasPermission('db-password', 'owner', permission)).toBe(true);
    expect(await control.hasPermission('other-secret', 'owner', 'read')).toBe(false);
  });

  it("applies glob pattern grants in core's glob dialect; a bare * covers every name", async () => {
    const control = new SecretAccessControl();
    await control.grant('api-key-*', 'api-consumer', 'read');
    await control.grant('db/**', 'dba', 'write');
    await control.grant('*', 'ops', 'read');
    expect(await control.hasPermission('api-key-stripe', 'api-consumer', 'read')).toBe(true);
    expect(await control.hasPermission('api-key-', 'api-consumer', 'read')).toBe(true);
    expect(await control.hasPermission('api-keys', 'api-consumer', 'read')).toBe(false);
    expect(await control.hasPermission('api-key-x/nested', 'api-consumer', 'read')).toBe(false);
    expect(await control.hasPermission('db/prod/password', 'dba', 'write')).toBe(true);
    expect(await control.hasPermission('dbx/password', 'dba', 'write')).toBe(false);
    expect(await control.hasPermission('deep/nested/.hidden', 'ops', 'read')).toBe(true);
  });

  it('isolates scopes: a scoped grant serves only its scope, a global grant serves every scope', async () => {
    const control = new SecretAccessControl();
    await control.grant('stripe-key', 'payments', 'read', { scope: 'plugin' });
    await control.grant('shared-key', 'payments', 'read', { scope: 'global' });
    expect(await control.hasPermission('stripe-key', 'payments', 'read', 'plugin')).toBe(true);
    expect(await control.hasPermission('stripe-key', 'payments', 'read', 'agent')).toBe(false);
    expect(await control.hasPermission('stripe-key', 'payments', 'read', 'user')).toBe(false);
    expect(await control.hasPermission('stripe-key', 'payments', 'read', 'global')).toBe(false);
    expect(await control.hasPermission('stripe-key', 'payments', 'read')).toBe(false);
    for (const scope of [undefined, 'global', 'plugin', 'agent', 'user'])
      expect(await control.hasPermission('shared-key', 'payments', 'read', scope)).toBe(true);
  });

  it('ignores expired grants: durations, ISO dates and Dates', async () => {
    const time = clock();
    const control = new SecretAccessControl({ now: time.now });
    await control.grant('temp-a', 'contractor', 'read', { expiresAt: '30d' });
    await control.grant('temp-b', 'contractor', 'read', { expiresAt: '2026-01-10T00:00:00Z' });
    await control.grant('temp-c', 'contractor', 'read', { expiresAt: new Date('2026-03-01T00:00:00Z') });
    time.advance(29 * DAY);
    expect(await control.hasPermission('temp-a', 'contractor', 'read')).toBe(true);
    expect(await control.hasPermission('temp-b', 'contractor', 'read')).toBe(false);
    expect(await control.hasPermission('temp-c', 'contractor', 'read')).toBe(true);
    time.advance(2 * DAY);
    expect(await control.hasPermission('temp-a', 'contractor', 'read')).toBe(false);
    expect((await control.listPermissions()).map((g) => g.secret)).toEqual(['temp-c']);
    expect((await control.listPermissions(undefined, { includeExpired: true })).length).toBe(3);
    expect(await control.purgeExpired()).toBe(2);
    expect((await control.listPermissions(undefined, { includeExpired: true })).length).toBe(1);
  });

  it('refuses an expiry already past, an unknown permission or scope, and an invalid target', async () => {
    const control = new SecretAccessControl();
    await expect(control.grant('x', 'a', 'read', { expiresAt: '2000-01-01' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(control.grant('x', 'a', 'sudo' as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(control.grant('x', 'a', 'read', { scope: 'team' as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(control.grant('bad name', 'a', 'read')).rejects.toThrow(/invalid secret name/);
    await expect(control.grant('x', '', 'read')).rejects.toBeInstanceOf(ValidationError);
    await expect(control.revoke('x', '')).rejects.toBeInstanceOf(ValidationError);
    await expect(control.revoke('', 'a')).rejects.toBeInstanceOf(ValidationError);
  });

  it('defaultPermissions apply to every accessor; with enforcement off every check passes and is counted', async () => {
    const readers = new SecretAccessControl({ defaultPermissions: ['read'] });
    expect(await readers.hasPermission('anything', 'anyone', 'read')).toBe(true);
    expect(await readers.hasPermission('anything', 'anyone', 'write')).toBe(false);

    const open = new SecretAccessControl({ enforceAccessControl: false });
    await expect(open.checkPermission('anything', 'anyone', 'delete')).resolves.toBe(true);
    expect(open.counters.wouldDeny).toBe(1);
    expect(open.counters.denied).toBe(0);
  });

  it('gives the same denial message whether or not a grant exists on the name', async () => {
    const control = new SecretAccessControl();
    await control.grant('exists', 'someone-else', 'read');
    const a = String(await control.checkPermission('exists', 'eve', 'read').catch((e: Error) => e.message));
    const b = String(await control.checkPermission('missing', 'eve', 'read').catch((e: Error) => e.message));
    expect(a.replace('exists', 'NAME')).toBe(b.replace('missing', 'NAME'));
  });
});

describe('SecretAccessControl: managing grants', () => {
  it('only an admin actor may grant or revoke; calls without an actor are the trusted root path', async () => {
    const control = new SecretAccessControl();
    await control.grant('payments/*', 'alice', 'admin');
    await control.grant('payments/stripe', 'bob', 'read');

    await expect(
      control.grant('payments/stripe', 'carol', 'read', { actor: 'alice' }),
    ).resolves.toMatchObject({ grantedBy: 'alice' });
    await expect(control.grant('payments/stripe', 'carol', 'write', { actor: 'bob' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(control.grant('billing/key', 'carol', 'read', { actor: 'alice' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(
      control.grant('payments/stripe', 'bob', 'admin', { grantedBy: 'bob' }),
    ).rejects.toBeInstanceOf(AccessDeniedError);

    await expect(control.revoke('payments/stripe', 'carol', 'read', { actor: 'bob' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect(await control.revoke('payments/stripe', 'carol', 'read', { actor: 'alice' })).toBe(1);
    expect(await control.hasPermission('payments/stripe', 'carol', 'read')).toBe(false);
  });

  it('an admin over a narrow pattern cannot grant on a wider one; admin on * can', async () => {
    const control = new SecretAccessControl();
    await control.grant('api-key-?', 'narrow', 'admin');
    await control.grant('*', 'root-admin', 'admin');
    await expect(control.grant('api-key-*', 'x', 'read', { actor: 'narrow' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(control.grant('api-key-?', 'x', 'read', { actor: 'narrow' })).resolves.toBeDefined();
    await expect(control.grant('api-key-*', 'x', 'read', { actor: 'root-admin' })).resolves.toBeDefined();
  });

  it('a scoped admin manages only grants in its scope', async () => {
    const control = new SecretAccessControl();
    await control.grant('*', 'plugin-admin', 'admin', { scope: 'plugin' });
    await expect(
      control.grant('k', 'p', 'read', { scope: 'plugin', actor: 'plugin-admin' }),
    ).resolves.toBeDefined();
    await expect(
      control.grant('k', 'p', 'read', { scope: 'global', actor: 'plugin-admin' }),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await control.grant('k', 'p', 'read', { scope: 'global' });
    await expect(control.revoke('k', 'p', 'read', { actor: 'plugin-admin' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect(await control.revoke('k', 'p', 'read', { scope: 'plugin', actor: 'plugin-admin' })).toBe(1);
  });

  it('root accessors hold admin without a grant (bootstrap)', async () => {
    const control = new SecretAccessControl({ rootAccessors: ['ops-root'] });
    await control.grant('*', 'first-admin', 'admin', { actor: 'ops-root' });
    await expect(control.grant('db', 'app', 'read', { actor: 'first-admin' })).resolves.toBeDefined();
    expect(await control.hasPermission('anything', 'ops-root', 'delete')).toBe(true);
  });

  it('revoke without a permission removes every permission of that accessor on that target', async () => {
    const control = new SecretAccessControl();
    await control.grant('api-key-stripe', 'payment-plugin', 'read', { scope: 'plugin' });
    await control.grant('api-key-stripe', 'payment-plugin', 'rotate');
    await control.grant('api-key-stripe', 'other', 'read');
    expect(await control.revoke('api-key-stripe', 'payment-plugin', { scope: 'agent' })).toBe(0);
    expect(await control.revoke('api-key-stripe', 'payment-plugin')).toBe(2);
    expect(await control.revoke('api-key-stripe', 'payment-plugin')).toBe(0);
    expect((await control.listPermissions('api-key-stripe')).map((g) => g.accessor)).toEqual(['other']);
  });

  it('granting the same thing twice keeps one grant with the newer expiry', async () => {
    const control = new SecretAccessControl();
    await control.grant('k', 'a', 'read', { expiresAt: '1d' });
    await control.grant('k', 'a', 'read', { expiresAt: '7d' });
    const grants = await control.listPermissions('k');
    expect(grants).toHaveLength(1);
    expect(grants[0]!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it('listPermissions(name) includes grants on patterns matching the name', async () => {
    const control = new SecretAccessControl();
    await control.grant('api-key-stripe', 'payment-plugin', 'read');
    await control.grant('api-key-*', 'api-consumer', 'read');
    await control.grant('db-password', 'db-plugin', 'read');
    const forStripe = await control.listPermissions('api-key-stripe');
    expect(forStripe.map((g) => `${g.secret}:${g.accessor}`)).toEqual([
      'api-key-*:api-consumer',
      'api-key-stripe:payment-plugin',
    ]);
    expect((await control.listPermissions('api-key-*')).map((g) => g.accessor)).toEqual(['api-consumer']);
    expect(await control.listPermissions()).toHaveLength(3);
    expect(await control.listPermissions(undefined, { accessor: 'db-plugin' })).toHaveLength(1);
  });
});

describe('SecretAccessControl: import and export', () => {
  it('round-trips every grant through export and import (object, JSON text and YAML text)', async () => {
    const source = new SecretAccessControl();
    await source.grant('api-key-*', 'api-consumer', 'read');
    await source.grant('db-password', 'db-plugin', 'read', {
      scope: 'plugin',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    await source.grant('*', 'ops', 'admin', { scope: 'user', grantedBy: undefined });
    const exported = await source.exportPermissions();
    expect(exported.version).toBe(1);
    expect(exported.grants).toHaveLength(3);

    for (const input of [exported, JSON.stringify(exported), (await import('yaml')).stringify(exported)]) {
      const target = new SecretAccessControl({ store: new MemoryPermissionStore() });
      expect(await target.importPermissions(input)).toBe(3);
      expect(await target.exportPermissions()).toEqual(exported);
    }
  });

  it('merge keeps other grants; replace drops them', async () => {
    const control = new SecretAccessControl();
    await control.grant('old', 'a', 'read');
    await control.importPermissions({
      version: 1,
      grants: [{ secret: 'new', accessor: 'b', permission: 'write' }],
    });
    expect((await control.listPermissions()).map((g) => g.secret)).toEqual(['new', 'old']);
    await control.importPermissions(
      { version: 1, grants: [{ secret: 'only', accessor: 'c', permission: 'read' }] },
      { mode: 'replace' },
    );
    expect((await control.listPermissions()).map((g) => g.secret)).toEqual(['only']);
  });

  it('rejects a malformed policy with the path of the faulty field', async () => {
    const control = new SecretAccessControl();
    await expect(
      control.importPermissions({
        version: 1,
        grants: [
          { secret: 'a', accessor: 'b', permission: 'read' },
          { secret: 'a', accessor: 'b', permission: 'own' },
        ],
      }),
    ).rejects.toThrow(/grants\[1\]\.permission/);
    await expect(
      control.importPermissions('grants: [{secret: a, accessor: b, permission: read, scope: team}]'),
    ).rejects.toThrow(/grants\[0\]\.scope/);
    await expect(control.importPermissions({ version: 2, grants: [] })).rejects.toThrow(/version/);
    expect(await control.listPermissions()).toHaveLength(0);
  });

  it('an import with an actor needs admin over every imported grant', async () => {
    const control = new SecretAccessControl();
    await control.grant('team/*', 'lead', 'admin');
    await expect(
      control.importPermissions(
        { version: 1, grants: [{ secret: 'team/x', accessor: 'dev', permission: 'read' }] },
        { actor: 'lead' },
      ),
    ).resolves.toBe(1);
    await expect(
      control.importPermissions(
        { version: 1, grants: [{ secret: 'prod/x', accessor: 'dev', permission: 'read' }] },
        { actor: 'lead' },
      ),
    ).rejects.toBeInstanceOf(AccessDeniedError);
  });
});
