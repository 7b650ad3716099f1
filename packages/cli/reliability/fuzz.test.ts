import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { budget, count, hush, plant, type Result, tempProject } from './harness.js';

const KEY = Buffer.alloc(32, 31).toString('base64');
const PLANTED = plant('fuzz-Planted-Value-8c1d');

/** What every run must hold, whatever the input: no stack trace, no planted value on stderr. */
function clean(result: Result, what: string): void {
  expect(result.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr, what).not.toContain('Maximum call stack');
  expect(result.stderr, what).not.toContain(PLANTED);
  expect(result.signal, what).toBeNull();
}

function project() {
  const dir = tempProject();
  const run = (
    args: string[],
    input?: string | Buffer,
    env: Record<string, string> = {},
    timeoutMs = 20_000,
  ) =>
    hush(args, {
      cwd: dir,
      env: { HUSH_MASTER_KEY: KEY, ...env },
      timeoutMs,
      ...(input !== undefined ? { input } : {}),
    });
  return { dir, run };
}

const runs = (short: number, long: number) => ({ numRuns: budget(short, long), endOnFailure: true });

/** Bytes with the awkward parts mixed in: invalid UTF-8, CESU surrogates, NUL, newlines, BOM. */
const awkwardBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 8 }),
      fc.constantFrom(
        Uint8Array.of(0xff),
        Uint8Array.of(0xed, 0xa0, 0x80),
        Uint8Array.of(0xc3),
        Uint8Array.of(0),
        Uint8Array.of(0x0a),
        Uint8Array.of(0xef, 0xbb, 0xbf),
        Buffer.from('é🔒'),
      ),
    ),
    { maxLength: 8 },
  )
  .map((parts) => Buffer.concat(parts.map((p) => Buffer.from(p))));

describe('fuzzing through the built CLI (fast-check)', () => {
  const { dir, run } = project();

  it('names: stored and read back as given, or refused as a usage error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('\0')),
        async (name) => {
          count('fuzzed names');
          const set = await run(['set', '--', name], 'v');
          clean(set, name);
          if (set.code === 0) expect((await run(['get', '--', name])).stdout).toBe('v\n');
          else expect(set.code, `${JSON.stringify(name)}: ${set.stderr}`).toBe(2);
        },
      ),
      runs(8, 150),
    );
  }, 300_000);

  it('values: stored byte for byte (valid UTF-8) or refused (exit 2); --binary keeps any bytes exactly', async () => {
    await fc.assert(
      fc.asyncProperty(awkwardBytes, async (bytes) => {
        count('fuzzed values');
        const text = (() => {
          try {
            return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
          } catch {
            return undefined;
          }
        })();
        const set = await run(['set', 'fuzz/value', '--allow-empty'], bytes);
        clean(set, bytes.toString('hex'));
        if (text === undefined) expect(set.code, set.stderr).toBe(2);
        else {
          expect(set.code, set.stderr).toBe(0);
          const back = await run(['get', 'fuzz/value']);
          expect(back.stdoutBytes.toString('hex')).toBe(
            Buffer.from(`${text.replace(/\r?\n$/, '')}\n`).toString('hex'),
          );
        }
        if (bytes.length === 0) return;
        expect((await run(['set', 'fuzz/binary', '--binary'], bytes)).code).toBe(0);
        expect((await run(['get', 'fuzz/binary', '--binary'])).stdoutBytes.equals(bytes)).toBe(true);
      }),
      runs(6, 120),
    );
  }, 300_000);

  // Slow today (seconds per command: the masker derives the value's encoded forms), hence the time.
  it('a 10 MB value round-trips exactly', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'aé🔒\u0000'.repeat(4));
    const text = big.toString('utf8').replace(/\uFFFD+$/, '');
    const set = await run(['set', 'fuzz/big'], text, {}, 150_000);
    clean(set, '10 MB');
    expect(set.code, set.stderr).toBe(0);
    const back = await run(['get', 'fuzz/big'], undefined, {}, 150_000);
    count('10 MB values');
    expect(back.stdout.length).toBe(text.length + 1);
    expect(back.stdout === `${text}\n`).toBe(true);
  }, 360_000);

  it('templates: rendered, or refused naming what is missing; never a crash', async () => {
    expect((await run(['set', 'k'], PLANTED)).code).toBe(0);
    const piece = fc.constantFrom(
      '${secret:',
      '${secret:k',
      'k',
      '}',
      ':',
      '#',
      '$',
      '$$',
      '{',
      'env:',
      'x',
      '\n',
      '${env:HOME}',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
        count('fuzzed templates');
        const template = pieces.join('');
        writeFileSync(join(dir, 't.txt'), template);
        const result = await run(['render', 't.txt']);
        clean(result, template);
        expect([0, 1, 2, 3], `${JSON.stringify(template)}: ${result.stderr}`).toContain(result.code);
      }),
      runs(8, 150),
    );
  }, 300_000);

  it('configurations: accepted or refused with the path at fault, never echoing a value', async () => {
    const cfg = project();
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant('${env:TOKEN}'), fc.constant(PLANTED));
    const config = fc.record(
      {
        defaultEnvironment: value,
        environments: fc.oneof(
          value,
          fc.record({
            dev: fc.record({
              providers: fc.oneof(
                value,
                fc.array(fc.record({ kind: value, priority: value, name: value }), { maxLength: 2 }),
              ),
            }),
          }),
        ),
        cache: fc.oneof(value, fc.record({ ttl: value })),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(config, async (doc) => {
        count('fuzzed configurations');
        writeFileSync(join(cfg.dir, 'hush.config.yaml'), stringify(doc));
        const result = await cfg.run(['list'], undefined, { TOKEN: PLANTED });
        clean(result, JSON.stringify(doc));
        expect([0, 1, 2, 5], result.stderr).toContain(result.code);
      }),
      runs(8, 150),
    );
  }, 300_000);

  it('.env files: export then import gives back every value exactly', async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?$/);
    const value = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .filter((v) => v.trim() === v && v !== '');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(name, value, { minKeys: 1, maxKeys: 4 }), async (secrets) => {
        count('fuzzed .env round trips');
        const from = project();
        for (const [k, v] of Object.entries(secrets)) expect((await from.run(['set', k], v)).code).toBe(0);
        const exported = await from.run(['export', '--reveal', '-o', '.env']);
        expect(exported.code, exported.stderr).toBe(0);
        const to = project();
        const imported = await to.run(['import', join(from.dir, '.env')]);
        clean(imported, JSON.stringify(secrets));
        expect(imported.code, imported.stderr).toBe(0);
        const back = JSON.parse((await to.run(['export', '--format', 'json', '--reveal'])).stdout);
        expect(back).toEqual(secrets);
      }),
      runs(3, 60),
    );
  }, 300_000);

  it('.env files of any shape: imported or refused naming the line, never a crash', async () => {
    const env = project();
    const line = fc.oneof(
      fc.constantFrom(
        'A=1',
        'export B="x\\ny"',
        "C='lit'",
        '# c',
        '',
        'D=`t`',
        'E="unterminated',
        '=x',
        'F=a #c',
        '\r',
      ),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
        count('fuzzed .env files');
        writeFileSync(join(env.dir, 'in.env'), lines.join('\n'));
        const result = await env.run(['import', 'in.env', '--dry-run']);
        clean(result, JSON.stringify(lines));
        expect([0, 1, 2], result.stderr).toContain(result.code);
      }),
      runs(8, 150),
    );
  }, 300_000);
});
