import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, selectEnvironment } from '../src/index.js';

function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hush-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const VALID = `
defaultEnvironment: dev
cache: { ttl: 5m, maxSize: 500, staleIfError: 10m }
environments:
  dev:
    defaultWriteProvider: local
    providers:
      - kind: local
        options: { path: .hush/secrets.enc.json }
      - kind: env
  prod:
    providers:
      - kind: vault
        name: vault-prod
        priority: 100
        timeout: 2s
        cacheTtl: 10m
        options: { address: '\${env:VAULT_ADDR}', namespace: '\${env:VAULT_NAMESPACE:admin}' }
`;

async function configError(
  text: string,
  name = 'hush.config.yaml',
  env: Record<string, string> = {},
): Promise<ConfigError> {
  const file = write(name, text);
  const error = await loadConfig({ file, env }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).file).toBe(file);
  return error as ConfigError;
}

describe('configuration files', () => {
  it('loads environments, providers, cache and interpolates ${env:...}', async () => {
    const file = write('hush.config.yaml', VALID);
    const config = (await loadConfig({ file, env: { VAULT_ADDR: 'http://127.0.0.1:8200' } }))!;
    expect(config.environments.dev!.providers.map((p) => p.name)).toEqual(['local', 'env']);
    expect(config.environments.prod!.providers[0]).toMatchObject({
      kind: 'vault',
      name: 'vault-prod',
      priority: 100,
      cacheTtl: '10m',
      options: { address: 'http://127.0.0.1:8200', namespace: 'admin' },
    });
    expect(config.cache).toEqual({ ttl: '5m', maxSize: 500, staleIfError: '10m' });
    expect(selectEnvironment(config, undefined, {}).name).toBe('dev');
    expect(selectEnvironment(config, undefined, { HUSH_ENV: 'prod' }).name).toBe('prod');
    expect(selectEnvironment(config, 'dev', { HUSH_ENV: 'prod' }).name).toBe('dev');
    expect(() => selectEnvironment(config, 'qa', {})).toThrow(/unknown environment 'qa'/);
  });

  it('finds the nearest file upwards and accepts JSON', async () => {
    const file = write(
      'hush.config.json',
      JSON.stringify({ environments: { dev: { providers: [{ kind: 'env' }] } } }),
    );
    const config = await loadConfig({ cwd: join(file, '..') });
    expect(config?.file).toBe(file);
  });

  it('names the file and the path of each kind of mistake', async () => {
    expect((await configError('environments: {}')).path).toBe('environments');
    expect((await configError('environments:\n  dev:\n    providers: []')).path).toBe(
      'environments.dev.providers',
    );
    const kind = await configError('environments:\n  dev:\n    providers:\n      - kind: 42');
    expect(kind.path).toBe('environments.dev.providers[0].kind');
    expect(kind.message).toContain('expected a provider kind');
    expect(
      (await configError('environments:\n  dev:\n    providers:\n      - kind: env\n        colour: red'))
        .path,
    ).toBe('environments.dev.providers[0].colour');
    expect(
      (
        await configError(
          'environments:\n  dev:\n    defaultWriteProvider: vault\n    providers:\n      - kind: env',
        )
      ).path,
    ).toBe('environments.dev.defaultWriteProvider');
    expect(
      (await configError('cache: { ttl: soon }\nenvironments:\n  dev:\n    providers: [{ kind: env }]')).path,
    ).toBe('cache.ttl');
    expect(
      (await configError('environments:\n  dev:\n    providers: [{ kind: env }, { kind: env }]')).path,
    ).toBe('environments.dev.providers[1].name');
    expect(
      (await configError('defaultEnvironment: qa\nenvironments:\n  dev:\n    providers: [{ kind: env }]'))
        .path,
    ).toBe('defaultEnvironment');
  });

  it('reports a missing ${env:...} variable by path and name', async () => {
    const error = await configError(VALID);
    expect(error.path).toBe('environments.prod.providers[0].options.address');
    expect(error.message).toContain('VAULT_ADDR');
  });

  it('reports malformed YAML and JSON with the file', async () => {
    expect((await configError('environments: [unclosed')).message).toMatch(
      /not valid YAML at line \d+, column \d+/,
    );
    expect((await configError('{"environments": ', 'hush.config.json')).message).toMatch(/not valid JSON/);
  });

  it('never quotes the file in a parse error (it may hold a value)', async () => {
    const yaml = await configError('token: sk_live_PLANTED\nenvironments: [unclosed');
    expect(yaml.message).not.toContain('sk_live_PLANTED');
    const json = await configError('{"token": "sk_live_PLANTED", }', 'hush.config.json');
    expect(json.message).not.toContain('sk_live_PLANTED');
    expect(json.message).toMatch(/not valid JSON at line 1, column \d+/);
  });

  it('validates configuration built in code too', () => {
    expect(() => parseConfig({ environments: { dev: { providers: [{ kind: 'env' }] } }, bogus: 1 })).toThrow(
      /unknown setting 'bogus'/,
    );
  });
});
