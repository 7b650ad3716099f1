import { dedupeFailures } from './batch.js';
import { GET_MANY_OPTIONS, LIST_OPTIONS, RESOLVE_OPTIONS, VERSION_OPTIONS } from './call-options.js';
import {
  type ProviderFailure,
  ProviderUnavailableError,
  SecretNotFoundError,
  ValidationError,
} from './errors.js';
import { listAcross, sortedByKey, versionsAcross } from './listing.js';
import type { ManagerParts } from './manager-parts.js';
import { readMany } from './many.js';
import { splitFieldReference, validateSecretName } from './names.js';
import type { Run } from './operation.js';
import { keptPreviousVersion } from './previous.js';
import type { FirstAnswer } from './reads.js';
import { extractField } from './references.js';
import { resolveInManager } from './resolve.js';
import { outcomeOfError } from './resolver.js';
import { createSecret, type NamedSecretInfo, namedInfo, type Secret, type SecretVersion } from './secret.js';
import { refuseUnknownOptions } from './toolkit/options.js';
import type { GetSecretOptions, ListSecretsOptions, ResolveOptions, VersionOptions } from './types.js';

// The manager's reads past its cached hot path: one secret, many, one version, the versions,
// the list, and references.

/**
 * `getSecret` once the options are checked and the cache had no plain answer. After a lean read
 * (see `leanRead`), `first` is the first provider's answer and `started` when the read began.
 */
export async function readSecret(
  parts: ManagerParts,
  key: string,
  options: GetSecretOptions,
  first?: FirstAnswer,
  started?: number,
): Promise<Secret | null> {
  const { chain, runner, hooks } = parts;
  const { name, field: fieldInName } = splitFieldReference(key);
  const field = options.field ?? fieldInName;
  const version = options.version === undefined ? undefined : String(options.version);
  const pin = chain.canonical(options.provider);
  const fields = {
    key: name,
    provider: pin,
    accessor: options.accessor,
    scope: options.scope,
    version,
  };
  const work = async ({ event }: Run) => {
    validateSecretName(name);
    const { secret, cached } = options.previous
      ? await readPrevious(parts, name, version, pin, options.fresh ?? false)
      : await parts.reads.read(name, version, pin, options.fresh ?? false, first);
    if (event && cached) event.cached = true;
    if (secret && event) {
      const allowed = hooks.beforeServe(event, secret);
      if (allowed) await allowed;
    }
    const found = secret && field !== undefined ? withField(parts, secret, field) : secret;
    if (!found) {
      if (event) event.outcome = 'not_found';
      if (options.required) throw new SecretNotFoundError(name, { version, field, provider: pin });
      return null;
    }
    if (event) event.provider = found.provider;
    return found;
  };
  return runner.run('get', fields, work, started);
}

/** `getSecrets`: the distinct names at once through the batch path; absent names map to null. */
export async function readSecrets(
  parts: ManagerParts,
  keys: string[],
  options: Omit<GetSecretOptions, 'version' | 'field' | 'previous'>,
): Promise<Map<string, Secret | null>> {
  refuseUnknownOptions(options, GET_MANY_OPTIONS, 'getSecrets');
  for (const key of keys) validateSecretName(key);
  const unique = [...new Set(keys)];
  const pinned = { ...options, provider: parts.chain.canonical(options.provider) };
  const fields = {
    key: unique.join(','),
    provider: pinned.provider,
    accessor: options.accessor,
    scope: options.scope,
  };
  return parts.runner.run('getMany', fields, async () => {
    const outcomes = await readMany(parts.batch, parts.hooks, unique, pinned);
    const result = new Map<string, Secret | null>();
    const failures: ProviderFailure[] = [];
    let unavailable = 0;
    for (const key of unique) {
      const outcome = outcomes.get(key)!;
      if (outcome.kind === 'denied' || outcome.kind === 'error') throw outcome.error;
      if (outcome.kind === 'unavailable') {
        unavailable++;
        failures.push(...outcome.failures);
      } else if (outcome.kind === 'found') result.set(key, outcome.secret);
      else if (options.required) throw new SecretNotFoundError(key);
    }
    if (unavailable)
      throw new ProviderUnavailableError(
        `could not read ${unavailable} of ${unique.length} secrets`,
        dedupeFailures(failures),
      );
    return new Map(keys.map((key) => [key, result.get(key) ?? null]));
  });
}

/** `getSecretVersion`: one fixed version, from a provider that keeps versions. */
export async function readVersion(
  parts: ManagerParts,
  key: string,
  version: string | number,
  options: VersionOptions,
): Promise<Secret> {
  refuseUnknownOptions(options, VERSION_OPTIONS, 'getSecretVersion');
  const { chain, hooks } = parts;
  const wanted = String(version);
  const pin = chain.canonical(options.provider);
  const fields = {
    key,
    provider: pin,
    accessor: options.accessor,
    scope: options.scope,
    version: wanted,
  };
  return parts.runner.run('getVersion', fields, async ({ event }) => {
    validateSecretName(key);
    chain.versionSlots(pin);
    const { secret, cached } = await parts.reads.read(key, wanted, pin, false);
    if (event && cached) event.cached = true;
    if (!secret) {
      if (event) event.outcome = 'not_found';
      throw new SecretNotFoundError(key, { version: wanted, provider: pin });
    }
    if (event) {
      const allowed = hooks.beforeServe(event, secret);
      if (allowed) await allowed;
      event.provider = secret.provider;
    }
    return secret;
  });
}

/** `getSecretVersions`: the versions of the first provider that has the secret. */
export async function readVersions(
  parts: ManagerParts,
  key: string,
  options: VersionOptions,
): Promise<SecretVersion[]> {
  refuseUnknownOptions(options, VERSION_OPTIONS, 'getSecretVersions');
  const fields = {
    key,
    provider: parts.chain.canonical(options.provider),
    accessor: options.accessor,
    scope: options.scope,
  };
  return parts.runner.run('listVersions', fields, async ({ event }) => {
    validateSecretName(key);
    const found = await versionsAcross(parts.chain, key, options.provider);
    if (found) {
      if (event) event.provider = found.provider;
      return found.versions;
    }
    if (event) event.outcome = 'not_found';
    throw new SecretNotFoundError(key);
  });
}

/** `listSecrets`: across the chain, filtered by the plugins, sorted by name. */
export async function listSecrets(
  parts: ManagerParts,
  options: ListSecretsOptions,
): Promise<NamedSecretInfo[]> {
  refuseUnknownOptions(options, LIST_OPTIONS, 'listSecrets');
  const fields = {
    provider: parts.chain.canonical(options.provider),
    accessor: options.accessor,
    scope: options.scope,
    pattern: options.pattern ?? options.prefix,
  };
  return parts.runner.run('list', fields, async ({ event }) => {
    let result = await listAcross(parts.chain, options, parts.persistent?.lister());
    // Sorted by listAcross; a plugin's filter may hand back another order.
    if (event) result = sortedByKey(await parts.hooks.filterList(event, result));
    return result.map(namedInfo);
  });
}

/**
 * `resolve`: the references of a value read through the batch path; `previous` reads a
 * `${secret:name@previous}` through the manager's own `getSecret`.
 */
export async function resolveReferences<T>(
  parts: ManagerParts,
  value: T,
  options: ResolveOptions,
  getSecret: (name: string, options: GetSecretOptions) => Promise<Secret | null>,
): Promise<T> {
  refuseUnknownOptions(options, RESOLVE_OPTIONS, 'resolve');
  const pinned = { ...options, provider: parts.chain.canonical(options.provider) };
  const fields = { accessor: options.accessor, provider: pinned.provider, scope: options.scope };
  return parts.runner.run('resolve', fields, () =>
    resolveInManager(value, {
      batch: parts.batch,
      hooks: parts.hooks,
      masker: parts.masker,
      options: pinned,
      defaultsOnOutage: options.defaultsOnOutage ?? parts.defaultsOnOutage,
      previous: async (name) => {
        try {
          const { provider, accessor, scope } = options;
          const secret = await getSecret(name, { previous: true, provider, accessor, scope });
          return secret ? { kind: 'value', value: secret.value } : { kind: 'missing' };
        } catch (error) {
          return outcomeOfError(error);
        }
      },
    }),
  );
}

/** The version a rotation kept readable (`keepPrevious`), while its grace period lasts. */
async function readPrevious(
  parts: ManagerParts,
  name: string,
  version: string | undefined,
  pin: string | undefined,
  fresh: boolean,
): Promise<{ secret: Secret | null; cached: boolean }> {
  if (version !== undefined) throw new ValidationError('give previous or version, not both');
  const current = await parts.reads.read(name, undefined, pin, fresh);
  const kept = current.secret ? keptPreviousVersion(current.secret, parts.now()) : undefined;
  if (!current.secret || kept === undefined) return { secret: null, cached: current.cached };
  return parts.reads.read(name, kept, current.secret.provider, false);
}

function withField(parts: ManagerParts, secret: Secret, field: string): Secret | null {
  const value = extractField(secret.value, field);
  if (value === undefined) return null;
  parts.masker.add(value);
  return createSecret({ ...secret.toInfo(), key: `${secret.key}#${field}`, value });
}
