import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

function succeeded(run: { code: number | null; stderr: string }): void {
  expect(run.stderr, 'the example failed').toBe('');
  expect(run.code).toBe(0);
}

describe('access control', () => {
  it('a grant that expired before it was made is refused, saying the date has passed', async () => {
    // As written, the example grants until 2025-12-31: a date already past.
    const run = await runExample('access-control');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /ValidationError: expiresAt '2025-12-31' \(2025-12-31T00:00:00.000Z\) has passed/,
    );
    expect(run.report).toBeUndefined();
  });

  it('grant, check and revoke, with an expiry still to come', async () => {
    const run = await runExample('access-control', { placeholders: [["'2025-12-31'", "'2099-12-31'"]] });
    succeeded(run);
    // checkPermission passed (it throws when denied); after the revoke no grant is left, and
    // what remains is the default permission of everyone: read.
    expect(run.report).toEqual({ afterRevoke: [], stillAllowed: true, writeAllowed: false });
  });

  it('least privilege: a temporary grant, a pattern grant, and the review lists what applies', async () => {
    const run = await runExample('least-privilege');
    succeeded(run);
    expect(run.report.all).toEqual([
      { secret: 'api-key-*', accessor: 'api-consumer', scope: 'global', expiresInDays: null },
      { secret: 'database-password', accessor: 'db-plugin', scope: 'plugin', expiresInDays: 30 },
    ]);
    expect(run.report.permissions).toEqual([
      { secret: 'api-key-*', accessor: 'api-consumer', permission: 'read', scope: 'global', expires: false },
    ]);
  });
});

describe('audit log', () => {
  it('every operation goes to the callback, failures alert, and the log has the rows', async () => {
    // The example's `providers: [...]` is filled in, in its file, with a local store.
    const run = await runExample('audit-logging');
    succeeded(run);
    expect(run.report.failedAttemptsAtStart).toEqual([]);
    expect(run.report.calls).toEqual([
      ['sendToSplunk', 'set', 'api-key-stripe', true],
      ['sendToSplunk', 'get', 'api-key-stripe', true],
      ['sendToSplunk', 'get', 'no-such-secret', false],
      ['alertSecurityTeam', 'get', 'no-such-secret', false],
      ['sendToSplunk', 'get', 'no-such-secret', false],
      ['alertSecurityTeam', 'get', 'no-such-secret', false],
    ]);
    expect(run.report.rows).toEqual([
      { operation: 'set', secret_name: 'api-key-stripe', accessor: 'admin', success: 1 },
      { operation: 'get', secret_name: 'api-key-stripe', accessor: 'payment-plugin', success: 1 },
      { operation: 'get', secret_name: 'no-such-secret', accessor: 'prober', success: 0 },
      { operation: 'get', secret_name: 'no-such-secret', accessor: 'prober', success: 0 },
    ]);
    expect(run.report.failuresNow).toEqual([
      ['no-such-secret', 'prober'],
      ['no-such-secret', 'prober'],
    ]);
    expect(JSON.stringify(run.report)).not.toMatch(/sk_live/);
  });

  it('backup and restore: metadata without values, and every grant back after the restore', async () => {
    const run = await runExample('backup-and-recovery');
    succeeded(run);
    const grants = [
      'api-key-*:api-consumer:read:global',
      'api-key-stripe:payment-plugin:read:plugin',
      'database-password:db-plugin:read:plugin',
    ];
    expect(run.report).toMatchObject({
      before: grants,
      afterRestore: grants,
      inBackupFile: grants,
      restoredElsewhere: grants,
      metadataHasValues: false,
    });
    expect(run.report.metadataNames).toEqual(
      expect.arrayContaining(['api-key-stripe', 'database-password', 'webhook-secret-stripe']),
    );
  });

  it('monitoring queries: the right rows right after the writes', async () => {
    const run = await runExample('monitoring-queries');
    succeeded(run);
    expect(run.report).toEqual({
      queries: [
        'Secret access rate',
        'Failed access attempts',
        'Secrets expiring soon',
        'Secrets never rotated',
      ],
      // This hour: four writes and eleven failed reads (the writes of 100 and 120 days ago are not in it).
      accessCount: 15,
      failedAttempts: [{ accessor: 'prober', failed_attempts: 6 }],
      expiringSoon: [
        ['api-key-stripe', 7],
        ['webhook-secret-stripe', 20],
      ],
      neverRotated: [['legacy-token', 120]],
    });
  });

  it('alerts: repeated failures and a secret about to expire', async () => {
    const run = await runExample('alerts');
    succeeded(run);
    expect(run.report.alerts).toEqual([
      { severity: 'high', message: 'Multiple failed secret access attempts by prober', details: 6 },
      { severity: 'medium', message: 'Secret api-key-stripe expires in 3 days' },
    ]);
  });
});
