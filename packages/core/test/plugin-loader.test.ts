import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createProviderFromSpec,
  createSecretManager,
  createSecretManagerFromEnv,
  loadProviderPlugin,
  PluginNotFoundError,
  providerPackageName,
} from '../src/index.js';

const PLUGIN_SOURCE = (kind: string) => `
export default {
  kind: '${kind}',
  create(options, context) {
    return {
      name: context.name, kind: '${kind}',
      capabilities: { write: false, delete: false, list: false, versions: false, tags: false, expiry: false, batchGet: false },
      options, root: context.root,
      async get() { return null; },
    };
  },
};`;

/** An application folder with its own node_modules, as an app that installed providers has. */
function makeApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'hush-app-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }));
  const pkg = join(root, 'node_modules', '@hush', 'provider-fake');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: '@hush/provider-fake',
      type: 'module',
      exports: {
        '.': { import: './dist/index.js', require: './dist/index.cjs' },
        './package.json': './package.json',
      },
    }),
  );
  writeFileSync(join(pkg, 'dist', 'index.js'), PLUGIN_SOURCE('fake'));
  // A third-party package whose exports hide package.json, with a CommonJS entry.
  const third = join(root, 'node_modules', 'acme-hush-provider');
  mkdirSync(third, { recursive: true });
  writeFileSync(
    join(third, 'package.json'),
    JSON.stringify({ name: 'acme-hush-provider', exports: { '.': { require: './main.cjs' } } }),
  );
  writeFileSync(join(third, 'main.cjs'), PLUGIN_SOURCE('acme').replace('export default', 'module.exports ='));
  writeFileSync(join(root, 'local-provider.mjs'), PLUGIN_SOURCE('in-repo'));
  writeFileSync(join(root, 'not-a-plugin.mjs'), 'export const nothing = 1;');
  return root;
}

describe('plugin loading', () => {
  const root = makeApp();

  it('loads @hush/provider-<kind> from the application root', async () => {
    const plugin = await loadProviderPlugin({ kind: 'fake' }, { root });
    expect(plugin.kind).toBe('fake');
    const provider = (await createProviderFromSpec(
      { kind: 'fake', options: { x: 1 } },
      { name: 'mine', root, env: {} },
      { root },
    )) as unknown as {
      name: string;
      options: unknown;
    };
    expect(provider.name).toBe('mine');
    expect(provider.options).toEqual({ x: 1 });
  });

  it('loads a third-party package named by module:, CommonJS included', async () => {
    const plugin = await loadProviderPlugin({ kind: 'acme', module: 'acme-hush-provider' }, { root });
    expect(plugin.kind).toBe('acme');
  });

  it('loads a path named by module:, relative to the root', async () => {
    const plugin = await loadProviderPlugin({ kind: 'in-repo', module: './local-provider.mjs' }, { root });
    expect(plugin.kind).toBe('in-repo');
  });

  it('names the package to install when it is missing', async () => {
    const error = await loadProviderPlugin({ kind: 'vault' }, { root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginNotFoundError);
    expect((error as PluginNotFoundError).message).toContain("'@hush/provider-vault' is not installed");
    expect((error as PluginNotFoundError).hint).toBe('install it: npm install @hush/provider-vault');
    await expect(loadProviderPlugin({ kind: 'x', module: './nope.mjs' }, { root })).rejects.toBeInstanceOf(
      PluginNotFoundError,
    );
  });

  it('knows the kinds by the other names users know them by', async () => {
    for (const [alias, kind] of [
      ['azure-keyvault', 'azure'],
      ['aws-secrets', 'aws'],
      ['local-file', 'local'],
      ['kubernetes', 'k8s'],
    ] as const)
      expect(providerPackageName({ kind: alias })).toBe(`@hush/provider-${kind}`);
    expect(providerPackageName({ kind: 'fake' })).toBe('@hush/provider-fake');
  });

  it('resolves from the application root, not from core’s own folder', async () => {
    // lru-cache is installed for @hush/core, but not in the application: it must not be found.
    await expect(loadProviderPlugin({ kind: 'x', module: 'lru-cache' }, { root })).rejects.toBeInstanceOf(
      PluginNotFoundError,
    );
  });

  it('falls back to further folders when given', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hush-empty-'));
    const plugin = await loadProviderPlugin({ kind: 'fake' }, { root: empty, fallbackPaths: [root] });
    expect(plugin.kind).toBe('fake');
  });

  it('takes a built-in plugin for its kind (and its aliases) without looking for a package', async () => {
    const builtin = { kind: 'fake', create: () => Promise.reject(new Error('not called')) };
    const builtinProviders = { fake: builtin, local: { ...builtin, kind: 'local' } };
    const empty = mkdtempSync(join(tmpdir(), 'hush-empty-'));
    expect(await loadProviderPlugin({ kind: 'fake' }, { root: empty, builtinProviders })).toBe(builtin);
    expect((await loadProviderPlugin({ kind: 'local-file' }, { root: empty, builtinProviders })).kind).toBe(
      'local',
    );
    // A kind that is not built in is still looked up, and still missing.
    await expect(loadProviderPlugin({ kind: 'other' }, { root: empty, builtinProviders })).rejects.toThrow(
      PluginNotFoundError,
    );
  });

  it('loads what module: names even when its kind is built in', async () => {
    const builtinProviders = { acme: { kind: 'acme', create: () => Promise.reject(new Error('built-in')) } };
    const plugin = await loadProviderPlugin(
      { kind: 'acme', module: 'acme-hush-provider' },
      { root, builtinProviders },
    );
    const provider = (await plugin.create({}, { name: 'a', root, env: {} })) as unknown as { root: string };
    expect(provider.root).toBe(root);
  });

  it('refuses a module that is not a provider plugin', async () => {
    const error = await loadProviderPlugin({ kind: 'x', module: './not-a-plugin.mjs' }, { root }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/does not export a hush provider plugin/);
  });
});

describe('building a manager from configuration or the environment', () => {
  const root = makeApp();

  it('builds the chosen environment of the nearest hush.config.yaml, loading its providers', async () => {
    writeFileSync(
      join(root, 'hush.config.yaml'),
      [
        'defaultEnvironment: dev',
        'environments:',
        '  dev:',
        '    providers:',
        '      - { kind: fake, name: first }',
        '      - { kind: in-repo, module: ./local-provider.mjs, name: second }',
        '  prod:',
        '    providers:',
        '      - { kind: acme, module: acme-hush-provider }',
      ].join('\n'),
    );
    const dev = await createSecretManager({ cwd: root, env: {} });
    expect(dev.providerNames).toEqual(['first', 'second']);
    const prod = await createSecretManager({ cwd: root, env: { HUSH_ENV: 'prod' } });
    expect(prod.providerNames).toEqual(['acme']);
  });

  it('builds from HUSH_PROVIDER alone, in the order given', async () => {
    const manager = await createSecretManagerFromEnv({
      root,
      env: { HUSH_PROVIDER: 'fake, acme' },
      fallbackPaths: [],
    }).catch((e: unknown) => e);
    // acme is not @hush/provider-acme: the error names the package to install.
    expect(manager).toBeInstanceOf(PluginNotFoundError);
    expect((manager as Error).message).toContain('@hush/provider-acme');
    const only = await createSecretManagerFromEnv({ root, env: { HUSH_PROVIDER: 'fake' } });
    expect(only.providerNames).toEqual(['fake']);
    expect(await only.getSecret('anything')).toBeNull();
  });

  it('creates built-in providers from both paths, with their options and context', async () => {
    const created: Array<{ options: unknown; name: string }> = [];
    const builtin = (kind: string) => ({
      kind,
      async create(options: Record<string, unknown>, context: { name: string; root: string }) {
        created.push({ options, name: context.name });
        const plugin = await loadProviderPlugin({ kind: 'fake' }, { root });
        return plugin.create(options, { ...context, env: {} });
      },
    });
    const builtinProviders = { local: builtin('local'), env: builtin('env') };
    const empty = mkdtempSync(join(tmpdir(), 'hush-empty-'));
    const fromEnv = await createSecretManagerFromEnv({
      root: empty,
      env: { HUSH_PROVIDER: 'local,env', HUSH_LOCAL_PATH: '/x/store.json' },
      builtinProviders,
    });
    expect(fromEnv.providerNames).toEqual(['local', 'env']);
    expect(created).toEqual([
      { options: { path: '/x/store.json' }, name: 'local' },
      { options: {}, name: 'env' },
    ]);
    writeFileSync(
      join(empty, 'hush.config.json'),
      JSON.stringify({
        environments: { dev: { providers: [{ kind: 'env', name: 'mine', options: { prefix: 'A_' } }] } },
      }),
    );
    const fromConfig = await createSecretManager({ cwd: empty, env: {}, builtinProviders });
    expect(fromConfig.providerNames).toEqual(['mine']);
    expect(created.at(-1)).toEqual({ options: { prefix: 'A_' }, name: 'mine' });
  });
});

describe('providers whose package is not installed', () => {
  /** An app that installed one provider, `@hush/provider-local` (a stand-in of kind `local`). */
  function appWithLocalOnly(): string {
    const root = mkdtempSync(join(tmpdir(), 'hush-app-local-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }));
    const pkg = join(root, 'node_modules', '@hush', 'provider-local');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@hush/provider-local', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), PLUGIN_SOURCE('local'));
    return root;
  }

  const config = (envEntry: string) =>
    ['environments:', '  dev:', '    providers:', '      - kind: local', `      - ${envEntry}`].join('\n');

  it('leaves an optional provider out of the chain', async () => {
    const root = appWithLocalOnly();
    writeFileSync(join(root, 'hush.config.yaml'), config('{ kind: env, optional: true }'));
    const manager = await createSecretManager({ cwd: root, env: {} });
    expect(manager.providerNames).toEqual(['local']);
  });

  it('refuses a provider the configuration names, with the package and the config path', async () => {
    const root = appWithLocalOnly();
    writeFileSync(join(root, 'hush.config.yaml'), config('{ kind: env }'));
    const error = await createSecretManager({ cwd: root, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginNotFoundError);
    expect((error as PluginNotFoundError).configPath).toBe('environments.dev.providers[1]');
    expect((error as Error).message).toContain("'@hush/provider-env' is not installed");
    expect((error as Error).message).toContain('environments.dev.providers[1]');
  });

  it('refuses a non-boolean optional with its path', async () => {
    const root = appWithLocalOnly();
    writeFileSync(join(root, 'hush.config.yaml'), config('{ kind: env, optional: "yes" }'));
    const error = await createSecretManager({ cwd: root, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('environments.dev.providers[1].optional');
  });

  it('builds the inferred chain from the environment with what is installed', async () => {
    const root = appWithLocalOnly();
    const manager = await createSecretManagerFromEnv({ root, env: { HUSH_MASTER_KEY: 'k' } });
    expect(manager.providerNames).toEqual(['local']);
    expect(manager.defaultWriteProvider).toBe('local');
  });

  it('still refuses a kind HUSH_PROVIDER names', async () => {
    const root = appWithLocalOnly();
    const error = await createSecretManagerFromEnv({ root, env: { HUSH_PROVIDER: 'local,env' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginNotFoundError);
    expect((error as PluginNotFoundError).configPath).toBe('HUSH_PROVIDER');
  });

  it('says which packages to install when none of the chain is installed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hush-app-empty-'));
    const error = await createSecretManagerFromEnv({ root, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toContain('@hush/provider-env');
  });
});
