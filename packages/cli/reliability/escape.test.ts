import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { count, hush, plant, tempProject } from './harness.js';

const KEY = Buffer.alloc(32, 41).toString('base64');
const SECRET = plant('escape-Planted-Value-2b7f');
const ENV_ONLY = plant('escape-env-only-Value-6c');

describe('access-control escape attempts', () => {
  const dir = tempProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers: [{ kind: local }, { kind: env }]',
      '    defaultWriteProvider: local',
      'audit:',
      '  enabled: true',
      'accessControl:',
      '  policyFile: .hush/policy.yaml',
      '  rootAccessors: [root]',
      '',
    ].join('\n'),
    'tpl.txt': 'token=${secret:app/db:a-default}\n',
  });
  const as = (who: string, args: string[], input?: string) =>
    hush(args, {
      cwd: dir,
      env: { HUSH_MASTER_KEY: KEY, HUSH_ACCESSOR: who, HUSH_SECRET_ENV_ONLY_TOKEN: ENV_ONLY },
      ...(input !== undefined ? { input } : {}),
    });
  const outputs: string[] = [];
  const attempt = async (label: string, who: string, args: string[], expected: number) => {
    const result = await as(who, args);
    count('access-control escape attempts');
    outputs.push(result.stdout, result.stderr);
    expect(result.code, `${label}: ${result.stderr}`).toBe(expected);
    expect(result.stdout, label).not.toContain(SECRET);
    expect(result.stdout, label).not.toContain(ENV_ONLY);
  };

  it('patterns, scopes, aliases and defaults widen no grant; no output channel carries a value', async () => {
    expect((await as('root', ['set', 'app/db'], SECRET)).code).toBe(0);
    for (const grant of [
      ['app/?', 'eve', 'read'],
      ['app/**', 'eve', 'read', '--scope', 'agent'],
      ['env-only/*', 'eve', 'read'],
      ['??', 'eve', 'admin'],
    ])
      expect((await as('root', ['grant', ...grant])).code).toBe(0);
    await attempt('a pattern that does not match', 'eve', ['get', 'app/db'], 4);
    await attempt('a grant in another scope', 'eve', ['get', 'app/db'], 4);
    await attempt('the grant scope asked for elsewhere', 'eve', ['get', 'app/db', '--scope', 'user'], 4);
    await attempt('a provider alias of a name not granted', 'eve', ['get', 'env-only/token'], 4);
    await attempt('a default for a denied reference', 'eve', ['render', 'tpl.txt'], 4);
    await attempt('admin on ?? for a rekey', 'eve', ['rekey'], 4);
    await attempt('a self-grant', 'eve', ['grant', 'app/*', 'eve', 'read'], 4);
    await attempt('a listing', 'eve', ['list'], 0);
    await attempt('an export', 'eve', ['export', '--reveal'], 0);
    // Leak search over every output channel: what was printed, and every file hush wrote.
    const files = readdirSync(join(dir, '.hush'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name)));
    for (const value of [SECRET, ENV_ONLY]) {
      for (const text of outputs) expect(text).not.toContain(value);
      for (const bytes of files) expect(bytes.includes(value)).toBe(false);
    }
  }, 300_000);
});
