import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const SLASH = plant('collide-Slash-Value-111');
const DASH = plant('collide-Dash-Value-222');

describe('two secrets that give one variable', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    for (const [name, value] of [
      ['db/url', SLASH],
      ['db-url', DASH],
      ['other', 'plain-other-value'],
    ] as const)
      expect((await run(['set', name], { input: value })).code).toBe(0);
  });

  const refused = (result: { code: number | null; stdout: string; stderr: string }) => {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("secrets 'db-url' and 'db/url' both become DB_URL");
    expect(result.stdout).toBe('');
    for (const value of [SLASH, DASH]) {
      expect(result.stdout).not.toContain(value);
      expect(result.stderr).not.toContain(value);
    }
  };

  it('run refuses them', async () => {
    refused(await run(['run', '--', process.execPath, '-e', '0']));
  });

  for (const format of ['dotenv', 'json', 'yaml', 'k8s-secret'])
    it(`export --format ${format} refuses them, revealed or masked, to stdout or to a file`, async () => {
      refused(await run(['export', '--format', format, '--reveal']));
      refused(await run(['export', '--format', format]));
      refused(await run(['export', '--format', format, '--reveal', '-o', `out.${format}`]));
      expect(existsSync(join(dir, `out.${format}`))).toBe(false);
    });

  it('export --json (the JSON format) refuses them with the error as JSON on stderr', async () => {
    const result = await run(['export', '--json', '--reveal']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error.code).toBe('NAME_COLLISION');
  });

  it('a selection without the pair exports, and a mapping resolves the collision', async () => {
    const one = await run(['export', '--reveal', '--pattern', 'db/*']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe(`DB_URL="${SLASH}"\n`);
    writeFileSync(join(dir, 'map.yaml'), 'PRIMARY_URL: db/url\nFALLBACK_URL: db-url\n');
    for (const format of ['dotenv', 'json', 'yaml', 'k8s-secret']) {
      const mapped = await run(['export', '--map', 'map.yaml', '--format', format, '--reveal']);
      expect(mapped.code, mapped.stderr).toBe(0);
      expect(mapped.stdout).toContain('PRIMARY_URL');
      expect(mapped.stdout).toContain('FALLBACK_URL');
    }
    const dotenv = await run(['export', '--map', 'map.yaml', '--reveal']);
    expect(dotenv.stdout).toBe(`PRIMARY_URL="${SLASH}"\nFALLBACK_URL="${DASH}"\n`);
    const ranMapped = await run([
      'run',
      '--map',
      'map.yaml',
      '--',
      process.execPath,
      '-e',
      'console.log(process.env.PRIMARY_URL.length)',
    ]);
    expect(ranMapped.stdout).toBe(`${SLASH.length}\n`);
  });

  it('render refuses a dotenv template that assigns one variable from two secrets', async () => {
    writeFileSync(
      join(dir, '.env.template'),
      'DB_URL=${secret:db/url}\nOTHER=${secret:other}\nDB_URL=${secret:db-url}\n',
    );
    const result = await run(['render', '.env.template', '-o', '.env']);
    refused(result);
    expect(existsSync(join(dir, '.env'))).toBe(false);
    writeFileSync(
      join(dir, 'ok.env'),
      'DB_URL=${secret:db/url}\nDB_URL_FALLBACK=${secret:db-url}\n# DB_URL=${secret:db-url}\n',
    );
    const ok = await run(['render', 'ok.env']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`DB_URL=${SLASH}\nDB_URL_FALLBACK=${DASH}\n# DB_URL=${DASH}\n`);
  });
});
