import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const API = plant('run-Api-Key-0123456789');
const DB = plant('run-Db-Pa55w0rd-zyxw');
const NESTED = plant('{"user":"svc","token":"nested-T0ken-abcdef"}');
plant('nested-T0ken-abcdef');

describe('hush run', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    for (const [name, value] of [
      ['api-key', API],
      ['app/db-password', DB],
      ['app/service', NESTED],
    ] as const)
      expect((await run(['set', name], { input: value })).code).toBe(0);
  });

  const node = (code: string) => ['run', '--', process.execPath, '-e', code];

  it('puts every secret of the environment in the child environment, names uppercased with _', async () => {
    const result = await run(
      node(
        "console.log(JSON.stringify({a: process.env.API_KEY === process.argv[1], len: (process.env.APP_DB_PASSWORD||'').length, has: 'APP_SERVICE' in process.env}))",
      ),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ a: false, len: DB.length, has: true });
  });

  it("--env runs with another environment's secrets", async () => {
    expect((await run(['--env', 'staging', 'set', 'staging-only'], { input: DB })).code).toBe(0);
    const probe =
      "console.log(process.env.STAGING_ONLY === undefined ? 'absent' : process.env.STAGING_ONLY.length)";
    expect((await run(['run', '--env', 'staging', '--', process.execPath, '-e', probe])).stdout).toBe(
      `${DB.length}\n`,
    );
    expect((await run(['run', '--', process.execPath, '-e', probe])).stdout).toBe('absent\n');
  });

  it('--prefix takes the secrets under a prefix and drops it from the names', async () => {
    const result = await run([
      'run',
      '--prefix',
      'app/',
      '--',
      process.execPath,
      '-e',
      "console.log(Object.keys(process.env).filter(k => ['DB_PASSWORD','SERVICE','API_KEY'].includes(k)).sort().join(','))",
    ]);
    expect(result.stdout.trim()).toBe('DB_PASSWORD,SERVICE');
  });

  it('--map names variables itself, with #field', async () => {
    writeFileSync(join(dir, 'map.yaml'), 'TOKEN: app/service#token\nKEY: api-key\n');
    const result = await run([
      'run',
      '--map',
      'map.yaml',
      '--',
      process.execPath,
      '-e',
      "console.log(process.env.TOKEN.length, process.env.KEY.length, 'API_KEY' in process.env)",
    ]);
    expect(result.stdout.trim()).toBe(`${'nested-T0ken-abcdef'.length} ${API.length} false`);
    writeFileSync(join(dir, 'bad-map.yaml'), 'TOKEN: missing-one\n');
    const missing = await run(['run', '--map', 'bad-map.yaml', '--', process.execPath, '-e', '0']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('TOKEN: missing-one');
  });

  it('masks values in stdout and stderr, field values and JSON-escaped forms included', async () => {
    const result = await run(
      node(
        "console.log('key=' + process.env.API_KEY); console.error('db=' + process.env.APP_DB_PASSWORD); console.log(JSON.parse(process.env.APP_SERVICE).token)",
      ),
    );
    expect(result.stdout).toBe('key=***\n***\n');
    expect(result.stderr).toBe('db=***\n');
  });

  it('masks a value written in pieces with pauses between them', async () => {
    const code = `
      const v = process.env.API_KEY; let i = 0;
      const t = setInterval(() => {
        process.stdout.write(v.slice(i, i + 3)); process.stderr.write(v.slice(i, i + 3)); i += 3;
        if (i >= v.length) { clearInterval(t); process.stdout.write(' end\\n'); }
      }, 25);`;
    const result = await run(node(code));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('*** end\n');
    expect(result.stderr).toBe('***');
  });

  it('masks inside binary output and leaves every other byte alone', async () => {
    const code =
      'process.stdout.write(Buffer.concat([Buffer.from([0, 255, 254, 10, 13]), Buffer.from(process.env.API_KEY), Buffer.from([0xc3, 0x28, 0])]))';
    const result = await run(node(code));
    expect([...result.stdoutBytes]).toEqual([0, 255, 254, 10, 13, ...Buffer.from('***'), 0xc3, 0x28, 0]);
  });

  it('does not pass HUSH_MASTER_KEY on unless --keep-master-key', async () => {
    const env = { HUSH_MASTER_KEY: readFileSync(join(dir, '.hush/master.key'), 'utf8').trim() };
    const check = "console.log('HUSH_MASTER_KEY' in process.env, process.env.API_KEY.length)";
    const dropped = await run(['run', '--', process.execPath, '-e', check], { env });
    expect(dropped.stdout.trim()).toBe(`false ${API.length}`);
    const kept = await run(['run', '--keep-master-key', '--', process.execPath, '-e', check], { env });
    expect(kept.stdout.trim()).toBe(`true ${API.length}`);
  });

  it('--no-mask passes output through untouched', async () => {
    const result = await run([
      'run',
      '--no-mask',
      '--',
      process.execPath,
      '-e',
      'process.stdout.write(process.env.API_KEY.slice(0, 4))',
    ]);
    expect(result.stdout).toBe(API.slice(0, 4));
  });

  it('forwards the exit code, a death by signal as 128+n, and a missing command as 127', async () => {
    expect((await run(node('process.exit(42)'))).code).toBe(42);
    expect((await run(node("process.kill(process.pid, 'SIGKILL')"))).code).toBe(137);
    const missing = await run(['run', '--', 'no-such-command-hush-test']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('hush: command not found: no-such-command-hush-test\n');
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, 'echo never\n', { mode: 0o644 });
    const notExecutable = await run(['run', '--', script]);
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stderr).toBe(`hush: command not executable: ${script}\n`);
    const noCommand = await run(['run']);
    expect(noCommand.code).toBe(2);
  });

  it('passes SIGTERM and SIGINT sent to hush on to the child', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const code = `process.on('${signal}', () => { console.log('child got ${signal}'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);`;
      const result = await run(node(code), {
        onSpawn: (child) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('ready')) child.kill(signal);
          });
        },
      });
      expect(result.stdout).toContain(`child got ${signal}`);
      expect(result.code).toBe(3);
    }
  });
});
