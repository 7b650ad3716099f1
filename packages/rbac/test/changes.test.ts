import { AccessDeniedError, ValidationError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { type PermissionChange, SecretAccessControl } from '../src/index.js';

const START = new Date('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

function recorder() {
  const changes: PermissionChange[] = [];
  return { changes, onChange: (change: PermissionChange) => void changes.push(change) };
}

/** The fields a reader of the audit trail cares about, without timing. */
function summary(change: PermissionChange) {
  const { timestamp, durationMs, ...rest } = change;
  expect(timestamp).toBeInstanceOf(Date);
  expect(durationMs).toBeGreaterThanOrEqual(0);
  return rest;
}

describe('permission changes are reported (onChange, audit)', () => {
  it('reports a grant with its target, accessor, permission, scope, actor, expiry and outcome', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange, rootAccessors: ['ops-root'], now: () => START });
    await control.grant('api-key-*', 'payment-plugin', 'read', {
      scope: 'plugin',
      expiresAt: '30d',
      actor: 'ops-root',
    });
    await control.grant('db-password', 'app', 'write');
    expect(changes.map(summary)).toEqual([
      {
        operation: 'grant',
        secretOrPattern: 'api-key-*',
        accessor: 'payment-plugin',
        permission: 'read',
        scope: 'plugin',
        actor: 'ops-root',
        expiresAt: new Date(START.getTime() + 30 * DAY),
        outcome: 'success',
      },
      {
        operation: 'grant',
        secretOrPattern: 'db-password',
        accessor: 'app',
        permission: 'write',
        scope: 'global',
        outcome: 'success',
      },
    ]);
    expect(changes[0]!.timestamp).toEqual(START);
  });

  it('reports a refused grant or revoke as denied, stores nothing, and throws the denial', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange });
    await control.grant('db-password', 'bob', 'read');
    changes.length = 0;
    await expect(control.grant('db-password', 'bob', 'admin', { actor: 'bob' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(control.revoke('db-password', 'bob', 'read', { actor: 'bob' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect(changes.map(summary)).toEqual([
      {
        operation: 'grant',
        secretOrPattern: 'db-password',
        accessor: 'bob',
        permission: 'admin',
        scope: 'global',
        actor: 'bob',
        outcome: 'denied',
        errorCode: 'ACCESS_DENIED',
      },
      {
        operation: 'revoke',
        secretOrPattern: 'db-password',
        accessor: 'bob',
        permission: 'read',
        actor: 'bob',
        outcome: 'denied',
        errorCode: 'ACCESS_DENIED',
      },
    ]);
    expect((await control.listPermissions()).map((g) => g.permission)).toEqual(['read']);
  });

  it('reports revokes with how many grants went; a revoke that matched nothing is not_found', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange });
    await control.grant('k', 'a', 'read');
    await control.grant('k', 'a', 'rotate', { scope: 'agent' });
    changes.length = 0;
    expect(await control.revoke('k', 'a')).toBe(2);
    expect(await control.revoke('k', 'a', 'read', { scope: 'user' })).toBe(0);
    expect(changes.map(summary)).toEqual([
      { operation: 'revoke', secretOrPattern: 'k', accessor: 'a', outcome: 'success', removed: 2 },
      {
        operation: 'revoke',
        secretOrPattern: 'k',
        accessor: 'a',
        permission: 'read',
        scope: 'user',
        outcome: 'not_found',
        removed: 0,
      },
    ]);
  });

  it('reports an import as one grant each, plus a revoke for each grant a replace drops', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange });
    await control.grant('old', 'a', 'read');
    await control.grant('kept', 'b', 'read');
    changes.length = 0;
    await control.importPermissions(
      {
        version: 1,
        grants: [
          { secret: 'kept', accessor: 'b', permission: 'read' },
          { secret: 'new', accessor: 'c', permission: 'write', scope: 'user' },
        ],
      },
      { mode: 'replace' },
    );
    expect(changes.map((c) => [c.operation, c.secretOrPattern, c.accessor, c.outcome])).toEqual([
      ['grant', 'kept', 'b', 'success'],
      ['grant', 'new', 'c', 'success'],
      ['revoke', 'old', 'a', 'success'],
    ]);
  });

  it('reports a refused import as one denied grant per grant, and imports nothing', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange });
    const policy = {
      version: 1,
      grants: [
        { secret: 'a', accessor: 'x', permission: 'read' },
        { secret: 'b', accessor: 'y', permission: 'write' },
      ],
    };
    await expect(control.importPermissions(policy, { actor: 'nobody' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect(changes.map((c) => [c.operation, c.secretOrPattern, c.actor, c.outcome, c.errorCode])).toEqual([
      ['grant', 'a', 'nobody', 'denied', 'ACCESS_DENIED'],
      ['grant', 'b', 'nobody', 'denied', 'ACCESS_DENIED'],
    ]);
    expect(await control.listPermissions()).toEqual([]);
  });

  it('reports grants removed by purgeExpired as revokes without an actor', async () => {
    let now = START.getTime();
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange, now: () => new Date(now) });
    await control.grant('temp', 'contractor', 'read', { expiresAt: '1d' });
    changes.length = 0;
    now += 2 * DAY;
    expect(await control.purgeExpired()).toBe(1);
    expect(changes.map(summary)).toEqual([
      {
        operation: 'revoke',
        secretOrPattern: 'temp',
        accessor: 'contractor',
        permission: 'read',
        scope: 'global',
        outcome: 'success',
        removed: 1,
      },
    ]);
  });

  it('does not report calls refused for bad arguments (nothing was attempted)', async () => {
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ onChange });
    await expect(control.grant('k', 'a', 'sudo' as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(control.revoke('k', 'a', 'sudo' as never)).rejects.toBeInstanceOf(ValidationError);
    expect(changes).toEqual([]);
  });

  it('an audit sink receives the same changes; a sink that fails after a change fails the call', async () => {
    const seen: PermissionChange[] = [];
    let failing = false;
    const audit = {
      async recordPermissionChange(change: PermissionChange) {
        if (failing) throw new Error('audit log write failed');
        seen.push(change);
      },
    };
    const { changes, onChange } = recorder();
    const control = new SecretAccessControl({ audit, onChange });
    await control.grant('k', 'a', 'read');
    expect(seen).toEqual(changes);
    expect(seen).toHaveLength(1);

    failing = true;
    // The change is made; the caller learns it was not recorded.
    await expect(control.grant('k', 'b', 'read')).rejects.toThrow('audit log write failed');
    expect(await control.hasPermission('k', 'b', 'read')).toBe(true);
    // A refused change keeps its own error even when recording it fails too.
    await expect(control.grant('k', 'c', 'read', { actor: 'nobody' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    // A receiver that throws synchronously counts as a failed report too.
    const sync = new SecretAccessControl({
      onChange: () => {
        throw new Error('sink down');
      },
    });
    await expect(sync.revoke('k', 'a')).rejects.toThrow('sink down');
  });

  it('refuses an audit option without recordPermissionChange', () => {
    expect(() => new SecretAccessControl({ audit: {} as never })).toThrow(ValidationError);
  });
});
