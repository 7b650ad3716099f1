import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Outcome, spawnOutcome } from '../src/run.js';
import { HUSH_BIN, makeSandboxRoot } from '../src/sandbox.js';

// An application that installs only what it uses, `@hush/core` and `@hush/provider-local`, as the
// READMEs promise: the library works with `hush init`'s configuration and with the environment
// alone, although the default chains also name `env`, whose package is not there.

const APP = `
import { createSecretManager, createSecretManagerFromEnv } from '@hush/core';

const planted = process.env.PLANTED;
try {
  const secrets = process.argv[2] === 'env' ? await createSecretManagerFromEnv() : await createSecretManager();
  await secrets.initialize();
  const written = await secrets.setSecret('app/api-key', planted, { actor: 'app' });
  const read = await secrets.getSecret('app/api-key', { required: true });
  const health = await secrets.healthCheck();
  console.log(JSON.stringify({
    same: read.value === planted,
    provider: read.provider,
    version: read.version,
    writtenVersion: written.version,
    chain: health.providers.map((p) => p.kind),
  }));
  await secrets.dispose();
} catch (error) {
  console.log(JSON.stringify({ error: error.code, message: error.message, configPath: error.configPath }));
}
`;

let root = '';
let count = 0;

beforeAll(() => {
  root = makeSandboxRoot(['@hush/core', '@hush/provider-local']);
  writeFileSync(join(root, 'app.mjs'), APP);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh application folder inside the sandbox (its node_modules are the sandbox's). */
function appFolder(): string {
  const folder = join(root, `app-${++count}`);
  mkdirSync(folder);
  return folder;
}

function baseEnv(folder: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: folder, NO_COLOR: '1', ...extra };
}

async function runApp(folder: string, mode: 'config' | 'env', env: Record<string, string>) {
  const outcome = await spawnOutcome(process.execPath, [join(root, 'app.mjs'), mode], folder, env);
  expect(outcome.code, outcome.stderr).toBe(0);
  return { outcome, result: JSON.parse(outcome.stdout) as Record<string, unknown> };
}

/** The planted value must never show in what the app or the CLI printed. */
function expectNoLeak(outcome: Outcome, planted: string): void {
  expect(outcome.stdout.includes(planted), 'value in stdout').toBe(false);
  expect(outcome.stderr.includes(planted), 'value in stderr').toBe(false);
}

describe('an app with only @hush/core and @hush/provider-local installed', () => {
  it('has neither @hush/provider-env nor the CLI in its node_modules', () => {
    const modules = join(root, 'node_modules', '@hush');
    expect(existsSync(join(modules, 'core'))).toBe(true);
    expect(existsSync(join(modules, 'provider-local'))).toBe(true);
    expect(existsSync(join(modules, 'provider-env'))).toBe(false);
    expect(existsSync(join(modules, 'cli'))).toBe(false);
  });

  it("createSecretManager() with hush init's configuration sets and reads a secret", async () => {
    const folder = appFolder();
    const init = await spawnOutcome(process.execPath, [HUSH_BIN, 'init'], folder, baseEnv(folder));
    expect(init.code, init.stderr).toBe(0);
    // The configuration init wrote names env (optional) after local.
    expect(readFileSync(join(folder, 'hush.config.yaml'), 'utf8')).toMatch(/- kind: env\n\s+optional: true/);

    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const { outcome, result } = await runApp(folder, 'config', baseEnv(folder, { PLANTED: planted }));
    expect(result).toEqual({
      same: true,
      provider: 'local',
      version: '1',
      writtenVersion: '1',
      chain: ['local'],
    });
    expectNoLeak(outcome, planted);

    // The CLI reads what the app wrote, from the same store.
    const get = await spawnOutcome(
      process.execPath,
      [HUSH_BIN, 'get', 'app/api-key'],
      folder,
      baseEnv(folder),
    );
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout === `${planted}\n`, 'hush get prints the value the app wrote').toBe(true);
  });

  it('createSecretManagerFromEnv() with HUSH_MASTER_KEY sets and reads a secret', async () => {
    const folder = appFolder();
    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const env = baseEnv(folder, { PLANTED: planted, HUSH_MASTER_KEY: randomBytes(32).toString('base64') });
    const { outcome, result } = await runApp(folder, 'env', env);
    expect(result).toEqual({
      same: true,
      provider: 'local',
      version: '1',
      writtenVersion: '1',
      chain: ['local'],
    });
    expectNoLeak(outcome, planted);
    expect(existsSync(join(folder, '.hush', 'secrets.enc.json'))).toBe(true);
  });

  it('a configuration that names env without optional is an error naming the package and the place', async () => {
    const folder = appFolder();
    writeFileSync(
      join(folder, 'hush.config.yaml'),
      [
        'version: 1',
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: local',
        '      - kind: env',
        '    defaultWriteProvider: local',
        '',
      ].join('\n'),
    );
    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const env = baseEnv(folder, { PLANTED: planted, HUSH_MASTER_KEY: randomBytes(32).toString('base64') });
    const { result } = await runApp(folder, 'config', env);
    expect(result.error).toBe('PLUGIN_NOT_FOUND');
    expect(result.configPath).toBe('environments.dev.providers[1]');
    expect(result.message).toContain("'@hush/provider-env'");
    expect(existsSync(join(folder, '.hush', 'secrets.enc.json')), 'nothing was written').toBe(false);
  });

  it('HUSH_PROVIDER naming env is an error naming the package', async () => {
    const folder = appFolder();
    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const env = baseEnv(folder, {
      PLANTED: planted,
      HUSH_MASTER_KEY: randomBytes(32).toString('base64'),
      HUSH_PROVIDER: 'local,env',
    });
    const { result } = await runApp(folder, 'env', env);
    expect(result.error).toBe('PLUGIN_NOT_FOUND');
    expect(result.message).toContain("'@hush/provider-env'");
  });
});
