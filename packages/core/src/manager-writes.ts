import { DELETE_OPTIONS, ROTATE_OPTIONS, SET_OPTIONS, VERSION_OPTIONS } from './call-options.js';
import { SecretNotFoundError } from './errors.js';
import type { LiveEvent } from './hooks.js';
import type { ManagerParts } from './manager-parts.js';
import { validateSecretName } from './names.js';
import type { Run } from './operation.js';
import { type NamedSecretInfo, namedInfo } from './secret.js';
import type { ProviderSlot } from './slot.js';
import { refuseUnknownOptions } from './toolkit/options.js';
import type { DeleteSecretOptions, RotateSecretOptions, SetSecretOptions, VersionOptions } from './types.js';

// The manager's writes: each names its target provider and its change in the operation's event,
// for the plugins that see it (audit, notifications).

/** `setSecret`: writes a new version to the pinned or the default write provider. */
export async function writeSecret(
  parts: ManagerParts,
  key: string,
  value: string,
  options: SetSecretOptions,
): Promise<NamedSecretInfo> {
  refuseUnknownOptions(options, SET_OPTIONS, 'setSecret');
  const fields = writeFields(parts, key, options);
  return parts.runner.run('set', fields, async (run) => {
    run.protected.push(value);
    validateSecretName(key);
    const result = await parts.writes.set(
      key,
      value,
      options,
      (v) => run.protected.push(v),
      (slot) => target(run, slot),
    );
    changed(run, result.info!.version, result.change);
    return namedInfo(result.info!);
  });
}

/** `deleteSecret`: a secret that is not there is a `SecretNotFoundError`. */
export async function deleteSecret(
  parts: ManagerParts,
  key: string,
  options: DeleteSecretOptions,
): Promise<void> {
  refuseUnknownOptions(options, DELETE_OPTIONS, 'deleteSecret');
  const fields = writeFields(parts, key, options);
  return parts.runner.run('delete', fields, async (run) => {
    validateSecretName(key);
    const result = await parts.writes.delete(key, options, (slot) => target(run, slot));
    if (!result.found) {
      if (run.event) run.event.outcome = 'not_found';
      throw new SecretNotFoundError(key, { provider: result.slot.name });
    }
    changed(run, undefined, result.change);
  });
}

/** `rotateSecret`: a new value (given or generated) for a secret that exists. */
export async function rotateSecret(
  parts: ManagerParts,
  key: string,
  options: RotateSecretOptions,
): Promise<NamedSecretInfo> {
  refuseUnknownOptions(options, ROTATE_OPTIONS, 'rotateSecret');
  const fields = writeFields(parts, key, options);
  return parts.runner.run('rotate', fields, async (run) => {
    if (options.newValue !== undefined) run.protected.push(options.newValue);
    validateSecretName(key);
    const result = await parts.writes.rotate(
      key,
      options,
      (v) => run.protected.push(v),
      (slot) => target(run, slot),
    );
    if (!result.found) {
      if (run.event) run.event.outcome = 'not_found';
      throw new SecretNotFoundError(key, { provider: result.slot.name });
    }
    changed(run, result.info!.version, result.change);
    return namedInfo(result.info!);
  });
}

/** `rollbackSecret`: an older version made current again. */
export async function rollbackSecret(
  parts: ManagerParts,
  key: string,
  version: string | number,
  options: VersionOptions,
): Promise<NamedSecretInfo> {
  refuseUnknownOptions(options, VERSION_OPTIONS, 'rollbackSecret');
  const wanted = String(version);
  const fields = {
    ...writeFields(parts, key, options),
    accessor: options.actor ?? options.accessor,
    version: wanted,
  };
  return parts.runner.run('rollback', fields, async (run) => {
    validateSecretName(key);
    const result = await parts.writes.rollback(
      key,
      wanted,
      options.provider,
      (slot) => target(run, slot),
      options.expiresAt,
    );
    if (!result.found) {
      if (run.event) run.event.outcome = 'not_found';
      throw new SecretNotFoundError(key, { version: wanted, provider: result.slot.name });
    }
    changed(run, undefined, result.change);
    return namedInfo(result.info!);
  });
}

/** What a write's event names: the secret, the pinned provider, who writes and in which scope. */
function writeFields(
  parts: ManagerParts,
  key: string,
  options: { provider?: string; actor?: string; scope?: string },
): { key: string; provider: string | undefined; accessor: string | undefined; scope: string | undefined } {
  return {
    key,
    provider: parts.chain.canonical(options.provider),
    accessor: options.actor,
    scope: options.scope,
  };
}

function target(run: Run, slot: ProviderSlot): void {
  if (run.event) run.event.provider = slot.name;
}

function changed(run: Run, version: string | undefined, change: LiveEvent['change']): void {
  if (!run.event) return;
  if (version !== undefined) run.event.version = version;
  if (change) run.event.change = change;
}
