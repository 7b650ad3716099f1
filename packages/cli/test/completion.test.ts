import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const VALUE = plant('completion-Value-5151');

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

describe('hush completion', () => {
  const { dir, run } = useProject();
  // The scripts call `hush` by name: a `hush` on PATH that runs the built binary.
  const bin = join(dir, 'bin');
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: dir,
    NO_COLOR: '1',
    HUSH_ACCESSOR: 'tester',
  };
  const shell = (command: string, program = 'bash') =>
    spawnSync(program, ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });

  beforeAll(async () => {
    mkdirSync(bin);
    writeFileSync(join(bin, 'hush'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'hush'), 0o755);
    expect((await run(['set', 'db/password'], { input: VALUE })).code).toBe(0);
    expect((await run(['set', 'deploy-key'], { input: VALUE })).code).toBe(0);
  });

  it('the bash script loads and registers a completion for hush', () => {
    const loaded = shell('source <(hush completion bash) && complete -p hush');
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout.trim()).toBe('complete -F _hush hush');
  });

  it('completes commands, flags, secret names (never values) and environments in bash', () => {
    // COMP_WORDS as bash fills them when Tab is pressed after the words given.
    const complete = (words: string[]) => {
      const script = `source <(hush completion bash)
        COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
        _hush; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = shell(script);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).not.toContain(VALUE);
      return result.stdout.trim().split('\n').filter(Boolean).sort();
    };
    expect(complete(['hush', 're'])).toEqual(['rekey', 'render', 'report', 'reseal', 'revoke']);
    expect(complete(['hush', 'run', '--wa'])).toEqual(['--watch', '--watch-interval']);
    expect(complete(['hush', 'get', 'd'])).toEqual(['db/password', 'deploy-key']);
    expect(complete(['hush', 'list', '--env', ''])).toEqual(['dev', 'prod', 'staging']);
    expect(complete(['hush', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  });

  it('--list prints names only; an unknown shell is a usage error', async () => {
    const secrets = await run(['completion', '--list', 'secrets']);
    expect(secrets.code, secrets.stderr).toBe(0);
    expect(secrets.stdout).toBe('db/password\ndeploy-key\n');
    const providers = await run(['completion', '--list', 'providers']);
    expect(providers.stdout.trim().split('\n').length).toBeGreaterThan(0);
    const unknown = await run(['completion', 'tcsh']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no completion for 'tcsh'");
  });

  for (const program of ['zsh', 'fish'])
    it.runIf(has(program))(`the ${program} script parses (${program} -n)`, () => {
      const script = join(dir, `hush.${program}`);
      const printed = shell(`hush completion ${program} > ${script}`);
      expect(printed.status, printed.stderr).toBe(0);
      const parsed = spawnSync(program, ['-n', script], { encoding: 'utf8' });
      expect(parsed.status, parsed.stderr).toBe(0);
    });
});
