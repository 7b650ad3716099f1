import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const KEY = Buffer.alloc(32, 12).toString('base64');
const VALUE = plant('access-Secret-V4lue-31');

const config = (enforce: boolean) =>
  [
    'environments:',
    '  dev:',
    '    providers: [{ kind: local }]',
    'audit:',
    '  enabled: true',
    'accessControl:',
    `  enforce: ${enforce}`,
    '  policyFile: .hush/policy.yaml',
    '  rootAccessors: [root]',
    '',
  ].join('\n');

function project(enforce = true) {
  const { dir, run } = useProject({ 'hush.config.yaml': config(enforce) }, { init: false });
  const as = (accessor: string, args: string[], input?: string) =>
    run(args, {
      env: { HUSH_MASTER_KEY: KEY, HUSH_ACCESSOR: accessor },
      ...(input !== undefined ? { input } : {}),
    });
  return { dir, as };
}

describe('access control: what the README says, and no escapes', () => {
  const { dir, as } = project();

  it('rekey needs admin over what a pattern matches: admin on ?? (which matches the name "**") does not pass', async () => {
    expect((await as('root', ['set', 'app/db'], VALUE)).code).toBe(0);
    expect((await as('root', ['set', 'hr/salaries'], VALUE)).code).toBe(0);
    expect((await as('root', ['grant', '??', 'eve', 'admin'])).code).toBe(0);
    const rekey = await as('eve', ['rekey']);
    expect(rekey.code, rekey.stderr).toBe(4);
    expect((await as('eve', ['reseal', '--yes'])).code).toBe(4);
  });

  it('hush audit and hush permissions show a caller what it may read; an audit grant on ** shows all', async () => {
    expect((await as('root', ['grant', 'app/*', 'bob', 'read'])).code).toBe(0);
    expect((await as('bob', ['get', 'app/db'])).stdout).toBe(`${VALUE}\n`);
    expect((await as('root', ['get', 'hr/salaries'])).code).toBe(0);
    const names = async (who: string) =>
      (JSON.parse((await as(who, ['audit', '--json'])).stdout) as Array<{ secretName: string | null }>).map(
        (e) => e.secretName,
      );
    const bob = await names('bob');
    expect(bob).toContain('app/db');
    expect(bob).not.toContain('hr/salaries');
    expect(bob).not.toContain('??');
    const grants = JSON.parse((await as('bob', ['permissions', '--json'])).stdout) as Array<{
      accessor: string;
    }>;
    expect(grants.map((g) => g.accessor)).toEqual(['bob']);
    expect((await as('root', ['grant', '**', 'auditor', 'audit'])).code).toBe(0);
    const all = await names('auditor');
    expect(all).toEqual(expect.arrayContaining(['app/db', 'hr/salaries', '??']));
    const everyone = JSON.parse((await as('auditor', ['permissions', '--json'])).stdout) as unknown[];
    expect(everyone.length).toBe(3);
  });

  it('refuses loose modes on policy.yaml, audit.db and .hush/ as on a loose store, with the chmod hint', async () => {
    for (const [path, mode, hint] of [
      ['.hush/policy.yaml', 0o666, 'chmod 600'],
      ['.hush/audit.db', 0o666, 'chmod 600'],
      ['.hush', 0o777, 'chmod 700'],
    ] as const) {
      const full = join(dir, path);
      chmodSync(full, mode);
      const result = await as('root', ['get', 'app/db']);
      chmodSync(full, path === '.hush' ? 0o700 : 0o600);
      expect(result.code, `${path}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toContain(`mode 0${mode.toString(8)}`);
      expect(result.stderr).toContain(`${hint} ${full}`);
    }
    expect((await as('root', ['get', 'app/db'])).code).toBe(0);
  });
});

describe('access control with enforce: false', () => {
  const { dir, as } = project(false);

  it('lets anyone grant and revoke, as the README says every check passes', async () => {
    mkdirSync(join(dir, '.hush'), { recursive: true, mode: 0o700 });
    const grant = await as('nobody', ['grant', 'api/*', 'bob', 'read']);
    expect(grant.code, grant.stderr).toBe(0);
    expect((await as('nobody', ['revoke', 'api/*', 'bob'])).code).toBe(0);
  });
});
