import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budget, count, hush, plant, tempProject } from './harness.js';

const PASSPHRASE = plant('tamper-Passphrase-77');
const VALUE = plant('tamper-Planted-Value-5e2a');
const FALLBACK = plant('from-the-env-provider-9d');

/** A passphrase store (so that the KDF parameters are in the file), with env after it in the chain. */
async function store() {
  const dir = tempProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '        options: { passphrase: "${env:PP}", scrypt: { N: 16384, r: 8, p: 1 } }',
      '      - kind: env',
      '',
    ].join('\n'),
  });
  const env = { PP: PASSPHRASE, HUSH_SECRET_A: FALLBACK };
  expect((await hush(['set', 'a'], { cwd: dir, env, input: VALUE })).code).toBe(0);
  expect((await hush(['set', 'b'], { cwd: dir, env, input: 'second' })).code).toBe(0);
  const path = join(dir, '.hush/secrets.enc.json');
  return { dir, env, path, original: readFileSync(path, 'utf8') };
}

type Mutation = (text: string) => string;

/** The store's own layout (a header line, one line per secret in each section), so that an edit changes only what it targets. */
function layout(doc: any): string {
  const { secrets, sealed, ...header } = doc;
  const lines = (section: Record<string, unknown>) =>
    Object.keys(section).map((name) => `${JSON.stringify(name)}:${JSON.stringify(section[name])}`);
  const body = (section: Record<string, unknown>) => {
    const all = lines(section);
    return all.length ? `${all.join(',\n')}\n` : '';
  };
  return `${JSON.stringify(header).slice(0, -1)},\n"secrets":{\n${body(secrets)}},\n"sealed":{\n${body(sealed)}}}\n`;
}

const edit =
  (change: (doc: any) => void): Mutation =>
  (text) => {
    const doc = JSON.parse(text);
    change(doc);
    return layout(doc);
  };

/** Hand-picked edits, the KDF parameters among them; random byte flips and truncations follow. */
const EDITS: Array<[string, Mutation]> = [
  ['scrypt N 2^22', edit((d) => (d.kdf.N = 4194304))],
  ['scrypt N 3', edit((d) => (d.kdf.N = 3))],
  ['scrypt r 0', edit((d) => (d.kdf.r = 0))],
  ['scrypt p 2^20', edit((d) => (d.kdf.p = 2 ** 20))],
  [
    'pbkdf2 2^31-1',
    edit((d) => (d.kdf = { name: 'pbkdf2-sha256', salt: d.kdf.salt, iterations: 2147483647 })),
  ],
  ['kdf unknown', edit((d) => (d.kdf.name = 'argon2'))],
  ['salt emptied', edit((d) => (d.kdf.salt = ''))],
  ['generation lowered', edit((d) => (d.generation = 0))],
  ['entry removed', edit((d) => delete d.secrets.b)],
  [
    'ciphertexts swapped',
    edit((d) => ([d.sealed.a['1'], d.sealed.b['1']] = [d.sealed.b['1'], d.sealed.a['1']])),
  ],
  ['tag edited', edit((d) => (d.secrets.a.tags = { x: 'y' }))],
  ['format changed', edit((d) => (d.format = 'hush.local/v3'))],
  ['first format named', edit((d) => (d.format = 'hush.local/v1'))],
  ['not JSON', () => '{'],
  ['empty file', () => ''],
];

describe('tampered local stores', () => {
  it('every tampered store is refused with a one-line error, no value, and no fall-over to the next provider', async () => {
    const { dir, env, path, original } = await store();
    // An edit that changes nothing leaves the file byte for byte as it was.
    expect(edit(() => undefined)(original)).toBe(original);
    const flips = fc.sample(
      fc.record({ at: fc.nat({ max: original.length - 1 }), bit: fc.integer({ min: 0, max: 6 }) }),
      budget(10, 150),
    );
    const truncations = fc.sample(fc.nat({ max: original.length - 1 }), budget(3, 40));
    const cases: Array<[string, Mutation]> = [
      ...EDITS,
      ...flips.map(({ at, bit }): [string, Mutation] => [
        `byte ${at} bit ${bit}`,
        (t) => t.slice(0, at) + String.fromCharCode(t.charCodeAt(at) ^ (1 << bit)) + t.slice(at + 1),
      ]),
      ...truncations.map((at): [string, Mutation] => [`truncated at ${at}`, (t) => t.slice(0, at)]),
    ];
    for (const [label, mutate] of cases) {
      const changed = mutate(original);
      if (changed === original) continue;
      writeFileSync(path, changed, { mode: 0o600 });
      const result = await hush(['get', 'a'], { cwd: dir, env, timeoutMs: 30_000 });
      count('tampered stores');
      expect(result.code, `${label}: ${result.stderr}`).toBe(1);
      expect(result.stdout, label).not.toContain(FALLBACK);
      expect(`${result.stdout}${result.stderr}`, label).not.toContain(VALUE);
      const lines = result.stderr.trim().split('\n');
      expect(lines[0], label).toMatch(/^hush: /);
      expect(
        lines.slice(1).every((l) => l.startsWith('hint: ')),
        `${label}: ${result.stderr}`,
      ).toBe(true);
    }
    writeFileSync(path, original, { mode: 0o600 });
    expect((await hush(['get', 'a'], { cwd: dir, env })).stdout).toBe(`${VALUE}\n`);
  }, 600_000);
});
