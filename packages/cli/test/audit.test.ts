import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, hush, plant, tempProject, useProject } from './helpers.js';

checkStderrClean();

const KEY = Buffer.alloc(32, 11).toString('base64');
const VALUE = plant('audited-Secret-V4lue-99');

const CONFIG = (store: string) =>
  [
    'environments:',
    '  dev:',
    '    providers: [{ kind: local }]',
    'audit:',
    '  enabled: true',
    'accessControl:',
    '  enforce: true',
    store,
    '  rootAccessors: [root]',
    '',
  ].join('\n');

describe.each([
  ['a policy file', '  policyFile: .hush/policy.yaml'],
  ['the audit database', ''],
])('audit and access control with grants in %s', (label, store) => {
  const { dir, run } = useProject({ 'hush.config.yaml': CONFIG(store) }, { init: false });
  const as = (accessor: string, args: string[], input?: string) =>
    run(args, {
      env: { HUSH_MASTER_KEY: KEY, HUSH_ACCESSOR: accessor },
      ...(input !== undefined ? { input } : {}),
    });

  it('denies by default (exit 4) and lets a root accessor write and grant', async () => {
    const denied = await as('bob', ['set', 'api-key-a'], VALUE);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toBe(
      "hush: access denied: 'bob' may not write secret 'api-key-a' in scope 'global'\n",
    );
    expect((await as('root', ['set', 'api-key-a'], VALUE)).code).toBe(0);
    expect((await as('root', ['set', 'db-password'], VALUE)).code).toBe(0);
    // The same message whether or not the secret exists.
    expect((await as('bob', ['get', 'api-key-a'])).stderr).toContain("may not read secret 'api-key-a'");
    expect((await as('bob', ['get', 'api-key-zzz'])).code).toBe(4);
    const grant = await as('root', ['grant', 'api-key-*', 'bob', 'read', '--expires', '30d']);
    expect(grant.code, grant.stderr).toBe(0);
    expect(grant.stderr).toContain("granted read on 'api-key-*' to bob");
  });

  it('a pattern grant allows reads, filters list, and leaves other secrets denied', async () => {
    expect((await as('bob', ['get', 'api-key-a'])).stdout).toBe(`${VALUE}\n`);
    expect((await as('bob', ['get', 'db-password'])).code).toBe(4);
    const listed = JSON.parse((await as('bob', ['list', '--json'])).stdout) as Array<{ key: string }>;
    expect(listed.map((s) => s.key)).toEqual(['api-key-a']);
    expect((await as('bob', ['set', 'api-key-a'], 'other-value')).code).toBe(4);
    // Only an admin grants.
    const selfGrant = await as('bob', ['grant', 'api-key-*', 'bob', 'write']);
    expect(selfGrant.code).toBe(4);
    expect(selfGrant.stderr).toContain('admin required');
    expect((await as('root', ['grant', 'x', 'bob', 'fly'])).code).toBe(2);
  });

  it('permissions lists grants; revoke removes them (exit 3 when there was none)', async () => {
    const grants = JSON.parse((await as('root', ['permissions', '--json'])).stdout);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({
      secret: 'api-key-*',
      accessor: 'bob',
      permission: 'read',
      scope: 'global',
      grantedBy: 'root',
    });
    expect(grants[0].expiresAt).toBeTruthy();
    const forName = JSON.parse((await as('root', ['permissions', 'api-key-a', '--json'])).stdout);
    expect(forName).toHaveLength(1);
    expect(JSON.parse((await as('root', ['permissions', 'db-password', '--json'])).stdout)).toEqual([]);
    const table = await as('root', ['permissions']);
    expect(table.stdout).toMatch(/api-key-\*\s+bob\s+read\s+global/);
    expect((await as('bob', ['revoke', 'api-key-*', 'bob'])).code).toBe(4);
    expect((await as('root', ['revoke', 'api-key-*', 'bob', 'read'])).code).toBe(0);
    expect((await as('root', ['revoke', 'api-key-*', 'bob'])).code).toBe(3);
    expect((await as('bob', ['get', 'api-key-a'])).code).toBe(4);
  });

  it('audit lists every operation with accessor and outcome, filters, JSON; never a value', async () => {
    const all = JSON.parse((await as('root', ['audit', '--json', '--limit', '500'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.some((e) => e.operation === 'set' && e.accessor === 'root' && e.outcome === 'success')).toBe(
      true,
    );
    expect(
      all.some(
        (e) =>
          e.operation === 'get' &&
          e.accessor === 'bob' &&
          e.outcome === 'denied' &&
          e.errorCode === 'ACCESS_DENIED',
      ),
    ).toBe(true);
    // Permission changes are audited too: the grant made by root earlier in this file.
    expect(
      all.some((e) => e.operation === 'grant' && e.accessor === 'root' && e.outcome === 'success'),
      JSON.stringify(all.filter((e) => e.operation === 'grant')),
    ).toBe(true);
    const failed = JSON.parse((await as('root', ['audit', '--failed-only', '--json'])).stdout) as Array<{
      success: boolean;
    }>;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.success === false)).toBe(true);
    const forSecret = JSON.parse(
      (await as('root', ['audit', 'db-password', '--accessor', 'bob', '--json'])).stdout,
    ) as Array<{ secretName: string; accessor: string }>;
    expect(forSecret.length).toBeGreaterThan(0);
    expect(forSecret.every((e) => e.secretName === 'db-password' && e.accessor === 'bob')).toBe(true);
    expect(
      JSON.parse((await as('root', ['audit', '--since', '1h', '--limit', '2', '--json'])).stdout),
    ).toHaveLength(2);
    const table = await as('root', ['audit', '--limit', '3']);
    expect(table.stdout).toMatch(/^TIME\s+OPERATION\s+SECRET\s+ACCESSOR/);
    expect(table.stdout).not.toContain(VALUE);
    expect(readFileSync(join(dir, '.hush/audit.db')).includes(Buffer.from(VALUE))).toBe(false);
    expect((await as('root', ['audit', '--limit', 'many'])).code).toBe(2);
    void label;
  });

  it('a grant in one scope applies to commands run with --scope in it, and to no other scope', async () => {
    expect((await as('root', ['set', 'agent-token', '--scope', 'agent'], VALUE)).code).toBe(0);
    const grant = await as('root', ['grant', 'agent-*', 'carol', 'read', '--scope', 'agent']);
    expect(grant.code, grant.stderr).toBe(0);
    expect((await as('carol', ['get', 'agent-token', '--scope', 'agent'])).stdout).toBe(`${VALUE}\n`);
    const global = await as('carol', ['get', 'agent-token']);
    expect(global.code).toBe(4);
    expect(global.stderr).toContain("in scope 'global'");
    expect((await as('carol', ['get', 'agent-token', '--scope', 'user'])).code).toBe(4);
    const listed = JSON.parse((await as('carol', ['list', '--scope', 'agent', '--json'])).stdout);
    expect(listed.map((s: { key: string }) => s.key)).toEqual(['agent-token']);
    expect(JSON.parse((await as('carol', ['list', '--json'])).stdout)).toEqual([]);
    expect((await as('carol', ['versions', 'agent-token', '--scope', 'agent'])).code).toBe(0);
    expect((await as('carol', ['rotate', 'agent-token', '--scope', 'agent'])).code).toBe(4);
    expect((await as('carol', ['delete', 'agent-token', '--scope', 'agent', '--yes'])).code).toBe(4);
  });
});

describe('rekey and reseal with access control and audit', () => {
  const { dir, run } = useProject({ 'hush.config.yaml': CONFIG('  policyFile: .hush/policy.yaml') });
  const as = (accessor: string, args: string[], input?: string) =>
    run(args, { env: { HUSH_ACCESSOR: accessor }, ...(input !== undefined ? { input } : {}) });

  it('need admin over every secret (exit 4 otherwise); a rekey is recorded in the key lifecycle', async () => {
    expect((await as('root', ['set', 'lifecycle'], VALUE)).code).toBe(0);
    expect((await as('root', ['grant', 'lifecycle', 'dave', 'admin'])).code).toBe(0);
    const denied = await as('dave', ['rekey']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain("hush: access denied: 'dave' may not rekey the local store");
    expect((await as('dave', ['reseal', '--yes'])).code).toBe(4);
    expect((await as('root', ['grant', '**', 'dave', 'admin'])).code).toBe(0);
    for (const round of [1, 2]) {
      const rekeyed = await as('dave', ['rekey']);
      expect(rekeyed.code, `${round}: ${rekeyed.stderr}`).toBe(0);
    }
    expect((await as('dave', ['get', 'lifecycle'])).stdout).toBe(`${VALUE}\n`);
    const { openAuditSqlite } = await import('@hush/audit-sqlite');
    const log = await openAuditSqlite({ path: join(dir, '.hush/audit.db') });
    try {
      const keys = await log.keys();
      expect(keys).toHaveLength(2);
      expect(keys.map((k) => k.status).sort()).toEqual(['active', 'retired']);
      expect(keys.every((k) => k.provider === 'local' && k.metadata?.by === 'dave')).toBe(true);
      const key = readFileSync(join(dir, '.hush/master.key'), 'utf8').trim();
      expect(JSON.stringify(keys)).not.toContain(key);
    } finally {
      await log.close();
    }
  });
});

describe('without audit or access control configured', () => {
  const { run } = useProject();

  it('audit and grant say what to add to the configuration', async () => {
    const audit = await run(['audit']);
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain('hush: audit is not enabled for this project');
    expect(audit.stderr).toContain('hint: add to');
    const grant = await run(['grant', 'x', 'bob', 'read']);
    expect(grant.code).toBe(1);
    expect(grant.stderr).toContain('access control is not configured');
  });

  it('an access-control section without a policy file needs the audit database', async () => {
    const dir = tempProject({
      'hush.config.yaml':
        'environments:\n  dev:\n    providers: [{ kind: local }]\naccessControl:\n  enforce: true\n',
    });
    const result = await hush(['list'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('accessControl.policyFile');
  });
});

describe('optional packages', () => {
  it('names the package to install when access control is configured but @hush/rbac is missing', async () => {
    // An install of the CLI alone: its command bundles what it needs; the optional peers (audit-sqlite
    // and rbac) are not there.
    const install = tempProject({ 'project/hush.config.yaml': CONFIG('  policyFile: .hush/policy.yaml') });
    const cli = join(install, 'cli');
    const pkg = dirname(dirname(BIN));
    for (const folder of ['bin', 'dist']) cpSync(join(pkg, folder), join(cli, folder), { recursive: true });
    writeFileSync(join(cli, 'package.json'), JSON.stringify({ name: '@hush/cli', type: 'module' }));
    const result = spawnSync(process.execPath, [join(cli, 'bin/hush.cjs'), 'list'], {
      cwd: join(install, 'project'),
      env: { PATH: process.env.PATH, HOME: install, HUSH_MASTER_KEY: KEY },
      encoding: 'utf8',
    });
    expect(result.stderr).toContain('but @hush/rbac is not installed');
    expect(result.stderr).toContain('hint: install it: npm install @hush/rbac');
    expect(result.status).toBe(1);
  });
});
