import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, selectEnvironment } from '@hush/core';
import { afterAll, describe, expect, it } from 'vitest';
import plugin, { EnvSecretProvider, toSecretName, toVariableName } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hush-env-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A Vault fallback table: Vault paths and the variables that stand in for them.
const VAULT_FALLBACK = {
  'database/connection/url': 'DATABASE_URL',
  'database/connection/host': 'DB_HOST',
  'database/connection/port': 'DB_PORT',
  'database/pool/size': 'DB_POOL_SIZE',
  'auth/jwt/secret': 'JWT_SECRET_KEY',
  'api-keys/anthropic/key': 'ANTHROPIC_API_KEY',
  'api-keys/openai/key': 'OPENAI_API_KEY',
};
const ENV = Object.fromEntries(
  Object.values(VAULT_FALLBACK).map((variable) => [variable, `value-of-${variable}`]),
);

/** What the kernel does with a `kind: env` entry of hush.config.yaml: its options go to the plugin. */
async function providerFromConfig(yaml: string): Promise<EnvSecretProvider> {
  const file = join(dir, 'hush.config.yaml');
  writeFileSync(file, yaml);
  const config = (await loadConfig({ file, env: {} }))!;
  const spec = selectEnvironment(config, 'dev', {}).environment.providers[0]!;
  expect(spec.kind).toBe('env');
  return (await plugin.create(spec.options ?? {}, {
    name: spec.name ?? 'env',
    root: config.root,
    env: ENV,
  })) as EnvSecretProvider;
}

async function expectVaultFallback(p: EnvSecretProvider): Promise<void> {
  for (const [name, variable] of Object.entries(VAULT_FALLBACK)) {
    const secret = await p.get(name);
    expect(secret?.value, name).toBe(`value-of-${variable}`);
    expect(secret?.metadata.variable).toBe(variable);
  }
  const listed = await p.list();
  expect(listed.map((s) => s.key)).toEqual(Object.keys(VAULT_FALLBACK).sort());
  expect(JSON.stringify(listed)).not.toContain('value-of-');
}

describe('env provider: a Vault fallback mapping table from the configuration file', () => {
  it('inline, under the provider options of hush.config.yaml', async () => {
    const table = Object.entries(VAULT_FALLBACK)
      .map(([name, variable]) => `            ${name}: ${variable}`)
      .join('\n');
    await expectVaultFallback(
      await providerFromConfig(
        `environments:\n  dev:\n    providers:\n      - kind: env\n        options:\n          mapping:\n${table}\n`,
      ),
    );
  });

  it('in a mapping file named by the configuration, relative to its folder', async () => {
    writeFileSync(
      join(dir, 'env-mapping.yaml'),
      Object.entries(VAULT_FALLBACK)
        .map(([name, variable]) => `${name}: ${variable}`)
        .join('\n'),
    );
    await expectVaultFallback(
      await providerFromConfig(
        'environments:\n  dev:\n    providers:\n      - kind: env\n        options:\n          mappingFile: env-mapping.yaml\n',
      ),
    );
  });
});

describe('env provider: uppercaseNames', () => {
  it('is on by default: api-key-stripe ⇄ HUSH_SECRET_API_KEY_STRIPE', async () => {
    expect(toVariableName('api-key-stripe')).toBe('HUSH_SECRET_API_KEY_STRIPE');
    expect(toSecretName('HUSH_SECRET_API_KEY_STRIPE')).toBe('api-key-stripe');
    const p = new EnvSecretProvider({ uppercaseNames: true, env: { HUSH_SECRET_API_KEY_STRIPE: 's' } });
    expect((await p.get('api-key-stripe'))?.value).toBe('s');
    expect((await p.list()).map((s) => s.key)).toEqual(['api-key-stripe']);
  });

  it('false keeps the case of names and variables', async () => {
    const p = new EnvSecretProvider({
      uppercaseNames: false,
      env: { HUSH_SECRET_api_key_stripe: 'lower', HUSH_SECRET_API_KEY_STRIPE: 'upper' },
    });
    expect((await p.get('api-key-stripe'))?.value).toBe('lower');
    expect((await p.get('API-KEY-STRIPE'))?.value).toBe('upper');
    expect((await p.list()).map((s) => s.key)).toEqual(['API-KEY-STRIPE', 'api-key-stripe']);
  });
});
