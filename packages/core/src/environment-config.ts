import { checkKeys, describe, expectObject, type Fail, KIND, parseDurationSetting } from './config-checks.js';

// `environments:` of the configuration: each environment's providers and default write provider.

export interface ProviderConfig {
  kind: string;
  /** Instance name; defaults to the kind. */
  name: string;
  module?: string;
  priority?: number;
  timeout?: string | number;
  /** How long this provider's values stay fresh in the cache (overrides `cache.ttl`). */
  cacheTtl?: string | number;
  options: Record<string, unknown>;
  /**
   * Left out of the chain (with a note under `HUSH_DEBUG`) when its package is not installed,
   * instead of failing. For fallbacks such as `env` that an application may not install.
   */
  optional?: boolean;
}

export interface EnvironmentConfig {
  providers: ProviderConfig[];
  defaultWriteProvider?: string;
}

/** `environments`: a non-empty map, each with a non-empty list of distinctly named providers. */
export function parseEnvironments(raw: unknown, fail: Fail): Record<string, EnvironmentConfig> {
  const environments: Record<string, EnvironmentConfig> = {};
  const envs = expectObject(
    raw ?? fail('environments', 'expected a map of environments (dev, staging, prod...)'),
    'environments',
    fail,
  );
  if (Object.keys(envs).length === 0) fail('environments', 'expected at least one environment');
  for (const [envName, envRaw] of Object.entries(envs)) {
    const path = `environments.${envName}`;
    const env = expectObject(envRaw, path, fail);
    checkKeys(env, path, ['providers', 'defaultWriteProvider'], fail);
    if (!Array.isArray(env.providers) || env.providers.length === 0)
      fail(`${path}.providers`, 'expected a non-empty list of providers');
    const providers = (env.providers as unknown[]).map((p, i) =>
      parseProvider(p, `${path}.providers[${i}]`, fail),
    );
    const names = new Set<string>();
    providers.forEach((p, i) => {
      if (names.has(p.name))
        fail(
          `${path}.providers[${i}].name`,
          `duplicate provider name '${p.name}': give each a distinct name`,
        );
      names.add(p.name);
    });
    const defaultWrite = env.defaultWriteProvider;
    if (defaultWrite !== undefined && (typeof defaultWrite !== 'string' || !names.has(defaultWrite)))
      fail(
        `${path}.defaultWriteProvider`,
        `expected one of the provider names (${[...names].join(', ')}), got ${describe(defaultWrite)}`,
      );
    environments[envName] = {
      providers,
      ...(defaultWrite ? { defaultWriteProvider: defaultWrite as string } : {}),
    };
  }
  return environments;
}

function parseProvider(raw: unknown, path: string, fail: Fail): ProviderConfig {
  const obj = expectObject(raw, path, fail);
  checkKeys(
    obj,
    path,
    ['kind', 'name', 'module', 'priority', 'timeout', 'cacheTtl', 'optional', 'options'],
    fail,
  );
  if (typeof obj.kind !== 'string' || !KIND.test(obj.kind))
    fail(
      `${path}.kind`,
      `expected a provider kind such as 'local', 'env', 'vault', 'aws', 'azure', 'gcp' or 'k8s', got ${describe(obj.kind)}`,
    );
  const provider: ProviderConfig = { kind: obj.kind as string, name: obj.kind as string, options: {} };
  if (obj.name !== undefined) {
    if (typeof obj.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(obj.name))
      fail(`${path}.name`, `expected a name of letters, digits, '-', '_' or '.', got ${describe(obj.name)}`);
    provider.name = obj.name as string;
  }
  if (obj.module !== undefined) {
    if (typeof obj.module !== 'string' || obj.module === '')
      fail(`${path}.module`, `expected a package name or a path, got ${describe(obj.module)}`);
    provider.module = obj.module as string;
  }
  if (obj.priority !== undefined) {
    if (typeof obj.priority !== 'number' || !Number.isFinite(obj.priority))
      fail(`${path}.priority`, `expected a number, got ${describe(obj.priority)}`);
    provider.priority = obj.priority as number;
  }
  if (obj.timeout !== undefined)
    provider.timeout = parseDurationSetting(obj.timeout, `${path}.timeout`, fail);
  if (obj.cacheTtl !== undefined)
    provider.cacheTtl = parseDurationSetting(obj.cacheTtl, `${path}.cacheTtl`, fail);
  if (obj.optional !== undefined) {
    if (typeof obj.optional !== 'boolean') fail(`${path}.optional`, 'expected true or false');
    provider.optional = obj.optional as boolean;
  }
  if (obj.options !== undefined) provider.options = expectObject(obj.options, `${path}.options`, fail);
  return provider;
}
