import { describe, expect, it } from 'vitest';
import { checkStderrClean, hush, plant, type Result, tempProject, useProject } from './helpers.js';
import { expectSchema } from './schemas.js';

checkStderrClean();

const KEY = Buffer.alloc(32, 44).toString('base64');
const VALUES = {
  cert: plant('Rpt-cert-value-1'),
  session: plant('Rpt-session-value-2'),
  api: plant('Rpt-api-key-value-3'),
  plain: plant('Rpt-plain-value-4'),
};

function clean(result: Result): Result {
  for (const value of Object.values(VALUES)) expect(result.stdout).not.toContain(value);
  return result;
}

const DAY = 86_400_000;
/** The report's clock, ahead of the secrets' write times by whole days: no sleeping. */
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

const CONFIG = [
  'environments:',
  '  dev:',
  '    providers: [{ kind: local }]',
  'audit: { enabled: true }',
  'schema:',
  '  api-key: { rotation: 30d }',
  '  tls/cert: { required: false }',
  '',
].join('\n');

describe('hush report: what is due, from the providers and the audit log', () => {
  const { run } = useProject({ 'hush.config.yaml': CONFIG }, { init: false });
  const cmd = async (args: string[], extra: { input?: string; as?: string } = {}) =>
    run(args, {
      env: { HUSH_MASTER_KEY: KEY, ...(extra.as ? { HUSH_ACCESSOR: extra.as } : {}) },
      ...(extra.input !== undefined ? { input: extra.input } : {}),
    });
  const set = async (name: string, value: string, ...args: string[]) => {
    const result = await cmd(['set', name, ...args], { input: value });
    expect(result.code, result.stderr).toBe(0);
  };

  it('expiring, not rotated and past the rotation period, at a given date; --strict exits 1', async () => {
    await set('tls/cert', VALUES.cert, '--expires', '10d');
    await set('session/secret', VALUES.session, '--tag', 'rotation=7d');
    await set('api-key', VALUES.api);
    await set('plain', VALUES.plain);

    const now = clean(await cmd(['report', '--json']));
    expect(now.code, now.stderr).toBe(0);
    const today = JSON.parse(now.stdout);
    expectSchema('report', today);
    expect(today.expiring.secrets).toEqual([
      expect.objectContaining({ name: 'tls/cert', provider: 'local', expired: false }),
    ]);
    expect(today.expiring.secrets[0].days).toBeGreaterThan(9);
    expect(today.notRotated.secrets).toEqual([]);
    expect(today.rotationDue.secrets).toEqual([]);
    expect(today.due).toBe(1);
    expect((await cmd(['report', '--strict'])).code).toBe(1);

    const later = JSON.parse(clean(await cmd(['report', '--at', inDays(40), '--json'])).stdout);
    expectSchema('report', later);
    expect(later.expiring.secrets[0]).toMatchObject({ name: 'tls/cert', expired: true });
    expect(
      later.rotationDue.secrets.map((s: { name: string; declaredIn: string }) => [s.name, s.declaredIn]),
    ).toEqual([
      ['api-key', 'schema'],
      ['session/secret', 'tag'],
    ]);
    expect(later.notRotated.secrets).toEqual([]);

    const stale = JSON.parse(
      clean(await cmd(['report', '--at', inDays(100), '--not-rotated', '90d', '--json'])).stdout,
    );
    expectSchema('report', stale);
    // Only the section asked for.
    expect(stale.expiring).toBeNull();
    expect(stale.rotationDue).toBeNull();
    expect(stale.notRotated.secrets.map((s: { name: string }) => s.name).sort()).toEqual([
      'api-key',
      'plain',
      'session/secret',
      'tls/cert',
    ]);

    const text = clean(await cmd(['report', '--at', inDays(40)]));
    expect(text.stdout).toContain('Expiring within 30d: 1');
    expect(text.stdout).toMatch(/tls\/cert\s+local\s+\S+\s+expired/);
    expect(text.stdout).toContain('Past their rotation period: 2');
    expect(text.stdout).toMatch(/session\/secret\s+local\s+7d/);
    expect(text.stdout).toContain('Not rotated within 90d: none');
  });

  it('accessors with more than the threshold of failed reads, from the audit log', async () => {
    for (let i = 0; i < 6; i++)
      expect((await cmd(['get', `missing/${i % 2}`], { as: 'ci-bot' })).code).toBe(3);
    expect((await cmd(['get', 'missing/0'], { as: 'someone' })).code).toBe(3);
    const result = clean(await cmd(['report', '--failed-access', '24h', '--json']));
    const report = JSON.parse(result.stdout);
    expectSchema('report', report);
    expect(report.failedAccess).toMatchObject({ window: '24h', threshold: 5, auditEnabled: true });
    expect(report.failedAccess.accessors).toEqual([
      {
        accessor: 'ci-bot',
        failures: 6,
        lastFailureAt: expect.any(String),
        secrets: ['missing/0', 'missing/1'],
      },
    ]);
    expect((await cmd(['report', '--failed-access', '24h', '--strict'])).code).toBe(1);
    const lower = JSON.parse(
      (await cmd(['report', '--failed-access', '24h', '--threshold', '0', '--json'])).stdout,
    );
    expect(lower.failedAccess.accessors.map((a: { accessor: string }) => a.accessor)).toEqual([
      'ci-bot',
      'someone',
    ]);
    // A day later the window holds none of them.
    const tomorrow = JSON.parse(
      (await cmd(['report', '--failed-access', '24h', '--at', inDays(2), '--json'])).stdout,
    );
    expect(tomorrow.failedAccess.accessors).toEqual([]);
    const text = await cmd(['report', '--failed-access', '24h']);
    expect(text.stdout).toContain('Accessors with more than 5 failed reads within 24h: 1');
    expect(text.stdout).toMatch(/ci-bot\s+6\s/);
  });

  it('without the audit log the failed reads are said to be unknown; nothing due exits 0 with --strict', async () => {
    const dir = tempProject({
      'hush.config.yaml': 'environments:\n  dev: { providers: [{ kind: local }] }\n',
    });
    const value = plant('Rpt-no-audit-value');
    expect((await hush(['set', 'x'], { cwd: dir, input: value, env: { HUSH_MASTER_KEY: KEY } })).code).toBe(
      0,
    );
    const result = await hush(['report', '--strict', '--json'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expectSchema('report', report);
    expect(report.failedAccess).toEqual({ window: '24h', threshold: 5, auditEnabled: false, accessors: [] });
    expect(report.due).toBe(0);
    const text = await hush(['report'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(text.stdout).toContain('Failed reads within 24h: not known (the audit log is off)');
    expect(text.stdout).toContain('nothing is due');
    expect((await hush(['report', '--at', 'yesterday'], { cwd: dir })).code).toBe(2);
  });
});
