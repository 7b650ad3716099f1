import {
  AccessDeniedError,
  createSecret,
  type HushError,
  InvalidSecretNameError,
  ProviderError,
  type ProviderFailure,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  UnsupportedOperationError,
  ValidationError,
  VersionConflictError,
} from '@hush/core';

/** An error as the agent sends it: a stable code and a message already masked by its manager. */
export interface WireError {
  code?: string;
  message?: string;
  failures?: ProviderFailure[];
}

type WireInfo = Omit<SecretInfo, 'createdAt' | 'updatedAt' | 'expiresAt'> & {
  createdAt: string;
  updatedAt: string;
  expiresAt?: string;
};

/** The agent's JSON for a secret, as a `Secret` served by this provider. */
export function toSecret(wire: WireInfo & { value: string }, provider: string): Secret {
  // The fields are this call's own: the value joins them rather than a copy of them all.
  const init = toInfo(wire, provider) as SecretInfo & { value: string };
  init.value = wire.value;
  return createSecret(init);
}

export function toInfo(raw: unknown, provider: string): SecretInfo {
  const wire = raw as WireInfo;
  const info: SecretInfo = {
    key: wire.key,
    version: String(wire.version),
    createdAt: new Date(wire.createdAt),
    updatedAt: new Date(wire.updatedAt),
    metadata: wire.metadata ?? {},
    tags: wire.tags ?? {},
    provider,
  };
  if (wire.expiresAt) info.expiresAt = new Date(wire.expiresAt);
  if (wire.scope !== undefined) info.scope = wire.scope;
  if (wire.deleted !== undefined) info.deleted = wire.deleted;
  if (wire.canonicalName !== undefined) info.canonicalName = wire.canonicalName;
  return info;
}

/**
 * The agent's refusal or failure as hush's error: an outage behind the agent (or the agent
 * refusing this client) fails over to the next providers; a denial or a bad name ends the read.
 * Each message names the agent once: errors that name their provider get the agent's words alone.
 */
export function toHushError(
  provider: string,
  status: number,
  error: WireError | undefined,
  name = '',
): HushError {
  const code = error?.code ?? `HTTP_${status}`;
  const detail = error?.message ?? `answered ${status}`;
  const message = `agent: ${detail}`;
  switch (code) {
    case 'ACCESS_DENIED':
      return new AccessDeniedError(message);
    case 'INVALID_SECRET_NAME':
      return new InvalidSecretNameError(name, message);
    case 'VALIDATION_ERROR':
      return new ValidationError(message);
    case 'VERSION_CONFLICT':
      return new VersionConflictError(name, message);
    case 'UNSUPPORTED_OPERATION':
    case 'WRITES_DISABLED':
      return new UnsupportedOperationError(provider, 'write', message);
    case 'PROVIDER_UNAVAILABLE':
      // The agent's message already lists its failures; they are kept, not repeated.
      if (error?.failures?.length)
        return new ProviderUnavailableError(
          `the providers behind agent provider '${provider}' are unavailable`,
          error.failures,
        );
      return unavailable(provider, code, detail);
    default:
      // Refused (a token, X-Forwarded-For) or failing: this process's own chain takes over.
      if (status === 401 || status === 403 || status >= 500) return unavailable(provider, code, detail);
      return new ProviderError(provider, detail);
  }
}

function unavailable(provider: string, code: string, detail: string): ProviderUnavailableError {
  return new ProviderUnavailableError(`agent provider '${provider}' is unavailable`, [
    { provider, code, message: detail },
  ]);
}
