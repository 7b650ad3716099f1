import { describe, expect, it } from 'vitest';
import { budget, count, hush, tempProject } from './harness.js';

const KEY = Buffer.alloc(32, 21).toString('base64');

describe('concurrent processes, with a log of acknowledged writes', () => {
  it('every write a process saw acknowledged (exit 0) is in the store afterwards', async () => {
    const dir = tempProject();
    const env = { HUSH_MASTER_KEY: KEY };
    const writers = budget(4, 8);
    const each = budget(4, 25);
    const acknowledged: Array<[string, string]> = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < each; i++) {
          const name = `w${w}/k${i}`;
          const value = `value-${w}-${i}`;
          const result = await hush(['set', name], { cwd: dir, env, input: value, timeoutMs: 60_000 });
          if (result.code === 0) acknowledged.push([name, value]);
        }
      }),
    );
    count('acknowledged concurrent writes', acknowledged.length);
    expect(acknowledged.length).toBe(writers * each);
    const exported = await hush(['export', '--format', 'json', '--reveal'], { cwd: dir, env });
    const stored = JSON.parse(exported.stdout) as Record<string, string>;
    for (const [name, value] of acknowledged) expect(stored[name], name).toBe(value);
  }, 300_000);

  it('12 parallel hush grant keep 12 grants, and a grant revoked meanwhile does not come back', async () => {
    const dir = tempProject({
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers: [{ kind: local }]',
        'accessControl:',
        '  policyFile: .hush/policy.yaml',
        '  rootAccessors: [root]',
        '',
      ].join('\n'),
    });
    const as = (args: string[]) =>
      hush(args, { cwd: dir, env: { HUSH_MASTER_KEY: KEY, HUSH_ACCESSOR: 'root' } });
    expect((await as(['grant', 'revoked/*', 'eve', 'read'])).code).toBe(0);
    const rounds = budget(1, 5);
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => as(['grant', `r${round}/s${i}`, `acc-${i}`, 'read'])),
        as(['revoke', 'revoked/*', 'eve']),
      ]);
      count('parallel grants and revokes', results.length);
      for (const r of results.slice(0, 12)) expect(r.code, r.stderr).toBe(0);
      const listed = JSON.parse((await as(['permissions', '--json'])).stdout) as Array<{ secret: string }>;
      const mine = listed.filter((g) => g.secret.startsWith(`r${round}/`));
      expect(mine.length).toBe(12);
      expect(listed.some((g) => g.secret === 'revoked/*')).toBe(false);
    }
  }, 300_000);
});
