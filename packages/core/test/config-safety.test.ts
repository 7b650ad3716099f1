import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/index.js';

const TOKEN = 'Tok_9f8e7d6c5b4a!';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hush-config-'));
  const path = join(dir, 'hush.config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration errors never echo a value', () => {
  for (const [label, yaml] of [
    [
      'priority',
      'environments:\n  dev:\n    providers:\n      - kind: env\n        priority: "${env:TOKEN}"\n',
    ],
    ['kind', 'environments:\n  dev:\n    providers:\n      - kind: "${env:TOKEN}"\n'],
    [
      'cache.ttl',
      'cache:\n  ttl: "${env:TOKEN}"\nenvironments:\n  dev:\n    providers:\n      - kind: env\n',
    ],
  ] as const)
    it(`${label}: names the path and the expected type only`, async () => {
      const error = await loadConfig({ file: file(yaml), env: { TOKEN } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain(TOKEN);
      expect((error as Error).message).toMatch(/expected/);
      expect((error as ConfigError).path).toContain(label === 'cache.ttl' ? 'cache.ttl' : label);
    });
});

describe('deep nesting is a typed error', () => {
  it('a YAML alias cycle', async () => {
    const error = await loadConfig({ file: file('a: &a [*a]\nenvironments: {}\n'), env: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/deeper than|cycle/);
  });

  it('a very deep document', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const dir = mkdtempSync(join(tmpdir(), 'hush-config-'));
    const path = join(dir, 'hush.config.json');
    writeFileSync(
      path,
      `{"environments": {"dev": {"providers": [{"kind": "env", "options": {"x": ${deep}}}]}}}`,
    );
    const error = await loadConfig({ file: path, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    let nested: unknown = 1;
    for (let i = 0; i < 10_000; i++) nested = [nested];
    expect(() =>
      parseConfig({ environments: { dev: { providers: [{ kind: 'env', options: { nested } }] } } }),
    ).toThrow(ConfigError);
  });
});
