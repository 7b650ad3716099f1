import { AccessDeniedError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { SecretAccessControl } from '../src/index.js';

describe('admin over every secret is decided on what the pattern matches', () => {
  it('admin on ** or * counts; admin on ?? (which matches the name "**") does not', async () => {
    const control = new SecretAccessControl({ rootAccessors: ['root'] });
    await control.grant('??', 'eve', 'admin');
    await control.grant('**', 'ops', 'admin');
    await control.grant('*', 'ops2', 'admin');
    await control.grant('db/**', 'dba', 'admin');
    await control.grant('**', 'scoped', 'admin', { scope: 'agent' });
    expect(await control.hasAdminOverEverything('eve')).toBe(false);
    expect(await control.hasAdminOverEverything('dba')).toBe(false);
    expect(await control.hasAdminOverEverything('scoped')).toBe(false);
    expect(await control.hasAdminOverEverything('ops')).toBe(true);
    expect(await control.hasAdminOverEverything('ops2')).toBe(true);
    expect(await control.hasAdminOverEverything('root')).toBe(true);
  });
});

describe('enforcement off: every check passes, grants and revokes by anyone included', () => {
  it('lets an actor without admin grant and revoke, counting the would-be denials', async () => {
    const control = new SecretAccessControl({ enforceAccessControl: false });
    await expect(control.grant('api/*', 'bob', 'read', { actor: 'nobody' })).resolves.toMatchObject({
      grantedBy: 'nobody',
    });
    expect(await control.revoke('api/*', 'bob', 'read', { actor: 'nobody' })).toBe(1);
    expect(control.counters.wouldDeny).toBeGreaterThanOrEqual(2);
    const enforced = new SecretAccessControl();
    await expect(enforced.grant('api/*', 'bob', 'read', { actor: 'nobody' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
  });
});

describe('what an accessor may see of the audit log and the grants', () => {
  const entries = [
    { secretName: 'app/db', accessor: 'svc' },
    { secretName: 'hr/salaries', accessor: 'alice' },
    { secretName: null, accessor: 'alice' },
    { secretName: 'hr/*', accessor: 'root' },
    { secretName: 'app/token', accessor: 'bob' },
  ];

  async function control() {
    const c = new SecretAccessControl({ rootAccessors: ['root'] });
    await c.grant('app/*', 'bob', 'read');
    await c.grant('hr/**', 'hr-auditor', 'audit');
    await c.grant('**', 'auditor', 'audit');
    await c.grant('hr/salaries', 'alice', 'read');
    return c;
  }

  it('a reader sees entries of what it may read and its own; audit on ** or admin sees all', async () => {
    const c = await control();
    expect(await c.filterAuditEntries(entries, 'bob')).toEqual([entries[0], entries[4]]);
    // A grant entry on the pattern hr/* is covered only by audit on that pattern or on everything.
    expect(await c.filterAuditEntries(entries, 'hr-auditor')).toEqual([entries[1]]);
    expect(await c.filterAuditEntries(entries, 'auditor')).toEqual(entries);
    expect(await c.filterAuditEntries(entries, 'root')).toEqual(entries);
    expect(await c.filterAuditEntries(entries, 'mallory')).toEqual([]);
  });

  it("permissions: a caller sees its own grants and those on what it may read, not everyone's", async () => {
    const c = await control();
    const seen = (who: string) =>
      c.listPermissions(undefined, { visibleTo: who }).then((g) => g.map((x) => `${x.secret}:${x.accessor}`));
    expect(await seen('bob')).toEqual(['app/*:bob']);
    expect(await seen('alice')).toEqual(['hr/salaries:alice']);
    expect(await seen('hr-auditor')).toEqual(['hr/**:hr-auditor', 'hr/salaries:alice']);
    expect((await seen('auditor')).length).toBe(4);
    expect(await seen('mallory')).toEqual([]);
  });
});
