/**
 * The one place where Key Vault's wire shapes (names, tags, versions, errors) become hush's.
 */
import type { KeyVaultSecret, SecretProperties } from '@azure/keyvault-secrets';
import {
  AccessDeniedError,
  ConfigError,
  createSecret,
  HushError,
  InvalidSecretNameError,
  ProviderError,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  type SecretVersion,
  TRANSIENT_NETWORK_CODES,
  ValidationError,
} from '@hush/core';

// ---------------------------------------------------------------------------------------------
// Names
//
// Key Vault names are 1-127 of [0-9a-zA-Z-] and case-insensitive; hush names also hold `/ _ .`
// and are case-sensitive. The mapping uses `-` as an escape character and writes lowercase only:
//
//   -  ->  --        /  ->  -s        _  ->  -u        .  ->  -d
//   a letter whose case differs from the current mode -> -c, then the letter in lowercase
//   (the mode starts lowercase; `-c` flips it, so `DATABASE_URL` -> `-cdatabase-uurl`)
//
// Every escape is `-` plus one character, so decoding reads left to right without ambiguity, and
// the output never depends on case, so two hush names never meet on one case-insensitive vault name.
// ---------------------------------------------------------------------------------------------

/** Longest Key Vault object name. */
export const MAX_KEY_VAULT_NAME_LENGTH = 127;
/** Largest secret value Key Vault stores (25k bytes). */
export const MAX_VALUE_BYTES = 25 * 1024;
/** Most tags a Key Vault secret version carries. */
export const MAX_TAGS = 15;

const KEY_VAULT_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const ESCAPES: Record<string, string> = { '-': '--', '/': '-s', _: '-u', '.': '-d' };
const UNESCAPES: Record<string, string> = { '-': '-', s: '/', u: '_', d: '.' };

/** How hush names become vault names: `escape` (reversible, default) or `none` (names used as they are). */
export type NameMapping = 'escape' | 'none';

/** Encodes a (validated) hush name as a Key Vault name; may exceed 127 characters. */
export function encodeName(name: string): string {
  let out = '';
  let upper = false;
  for (const ch of name) {
    const escaped = ESCAPES[ch];
    if (escaped) {
      out += escaped;
      continue;
    }
    const lower = ch.toLowerCase();
    const isLetter = lower !== ch.toUpperCase();
    if (isLetter && (ch !== lower) !== upper) {
      out += '-c';
      upper = !upper;
    }
    out += lower;
  }
  return out;
}

/**
 * Decodes a Key Vault name written by `encodeName`; `undefined` for a name that is not an
 * encoding (a secret created outside hush, or not in canonical form).
 */
export function decodeName(vaultName: string): string | undefined {
  const source = vaultName.toLowerCase();
  let out = '';
  let upper = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch !== '-') {
      out += upper ? ch.toUpperCase() : ch;
      continue;
    }
    const next = source[++i];
    if (next === 'c') {
      upper = !upper;
      continue;
    }
    const plain = next === undefined ? undefined : UNESCAPES[next];
    if (plain === undefined) return undefined;
    out += plain;
  }
  // Only the canonical spelling maps back, so that hush names and vault names pair one to one.
  return out.length > 0 && encodeName(out) === source ? out : undefined;
}

/** The vault name for a hush name, or an `InvalidSecretNameError` when the vault cannot hold it. */
export function toVaultName(name: string, mapping: NameMapping): string {
  const vaultName = mapping === 'none' ? name : encodeName(name);
  if (!KEY_VAULT_NAME.test(vaultName)) {
    if (mapping === 'none')
      throw new InvalidSecretNameError(
        name,
        "Azure Key Vault names hold only letters, digits and '-' (nameMapping is 'none')",
      );
    throw new InvalidSecretNameError(
      name,
      `longer than ${MAX_KEY_VAULT_NAME_LENGTH} characters once mapped to a Key Vault name (${vaultName.length})`,
    );
  }
  return vaultName;
}

/** The hush name of a vault name, or `undefined` when it is not one hush wrote. */
export function fromVaultName(vaultName: string, mapping: NameMapping): string | undefined {
  return mapping === 'none' ? vaultName : decodeName(vaultName);
}

// ---------------------------------------------------------------------------------------------
// Tags: hush metadata and scope ride along as tags with reserved prefixes.
// ---------------------------------------------------------------------------------------------

const META_PREFIX = 'hush.meta.';
const SCOPE_TAG = 'hush.scope';

export function toVaultTags(
  tags: Record<string, string> | undefined,
  metadata: Record<string, string> | undefined,
  scope: string | undefined,
): Record<string, string> | undefined {
  const out: Record<string, string> = { ...(tags ?? {}) };
  for (const [k, v] of Object.entries(metadata ?? {})) out[`${META_PREFIX}${k}`] = v;
  if (scope !== undefined) out[SCOPE_TAG] = scope;
  const count = Object.keys(out).length;
  if (count > MAX_TAGS)
    throw new ValidationError(
      `Azure Key Vault keeps at most ${MAX_TAGS} tags per secret (tags, metadata and scope together: ${count})`,
    );
  return count === 0 ? undefined : out;
}

export function fromVaultTags(wire: Record<string, string> | undefined): {
  tags: Record<string, string>;
  metadata: Record<string, string>;
  scope?: string;
} {
  const tags: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  let scope: string | undefined;
  for (const [k, v] of Object.entries(wire ?? {})) {
    if (k === SCOPE_TAG) scope = v;
    else if (k.startsWith(META_PREFIX)) metadata[k.slice(META_PREFIX.length)] = v;
    else tags[k] = v;
  }
  return { tags, metadata, ...(scope !== undefined ? { scope } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Secrets and versions
// ---------------------------------------------------------------------------------------------

export function toSecretInfo(key: string, properties: SecretProperties, provider: string): SecretInfo {
  const { tags, metadata, scope } = fromVaultTags(properties.tags);
  const createdAt = properties.createdOn ?? properties.updatedOn ?? new Date(0);
  const info: SecretInfo = {
    key,
    // List items name no version (the service lists secrets by base identifier).
    version: properties.version ?? '',
    createdAt,
    updatedAt: properties.updatedOn ?? createdAt,
    metadata,
    tags,
    provider,
  };
  if (properties.expiresOn) info.expiresAt = properties.expiresOn;
  if (scope !== undefined) info.scope = scope;
  return info;
}

export function toSecret(key: string, secret: KeyVaultSecret, provider: string): Secret {
  return createSecret({ ...toSecretInfo(key, secret.properties, provider), value: secret.value ?? '' });
}

export function toSecretVersion(properties: SecretProperties, current: boolean): SecretVersion {
  const version: SecretVersion = {
    version: properties.version ?? '',
    createdAt: properties.createdOn ?? new Date(0),
    current,
    state: properties.enabled === false ? 'disabled' : 'enabled',
  };
  if (properties.expiresOn) version.expiresAt = properties.expiresOn;
  return version;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** What the SDK throws: a RestError (status, code, parsed body) or a network error. */
interface AzureFailure {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
}

export function failureOf(error: unknown): AzureFailure {
  return typeof error === 'object' && error !== null ? (error as AzureFailure) : { message: String(error) };
}

/** The inner error code Key Vault adds to some answers (`ObjectIsDeletedButRecoverable`, `SecretDisabled`). */
export function innerCode(error: unknown): string | undefined {
  return failureOf(error).details?.error?.innerError?.code;
}

export function statusOf(error: unknown): number | undefined {
  return failureOf(error).statusCode;
}

export const isNotFound = (error: unknown) => statusOf(error) === 404;
export const isDisabled = (error: unknown) =>
  statusOf(error) === 403 && innerCode(error) === 'SecretDisabled';
export const isDeletedButRecoverable = (error: unknown) =>
  statusOf(error) === 409 && innerCode(error) === 'ObjectIsDeletedButRecoverable';

/** What @azure/identity throws when it cannot get a token. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

/** The network codes core classifies as transient, and the SDK's own code for a request it could not send. */
const isNetworkCode = (code: string | undefined) =>
  code !== undefined && (TRANSIENT_NETWORK_CODES.has(code) || code === 'REQUEST_SEND_ERROR');

/** Shortens a service message for an error text; Key Vault messages name secrets, never values. */
function describe(failure: AzureFailure): string {
  const code = failure.details?.error?.code ?? failure.code ?? failure.name ?? 'Error';
  const message = (failure.details?.error?.message ?? failure.message ?? '').split('\n')[0]!.slice(0, 300);
  return failure.statusCode ? `${failure.statusCode} ${code}: ${message}` : `${code}: ${message}`;
}

/**
 * What an error keeps of the SDK failure as its `cause`: name, status, codes and the service's
 * message. Never the SDK error itself: a RestError holds the request, whose body is the secret
 * value on a write (and the response, whose body is the value on a read).
 */
export function safeCause(error: unknown): Error {
  const failure = failureOf(error);
  const cause = new Error(describe(failure));
  cause.name = failure.name ?? 'Error';
  return Object.assign(cause, {
    ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
    ...(failure.code !== undefined ? { code: failure.code } : {}),
    ...(innerCode(error) !== undefined ? { innerCode: innerCode(error) } : {}),
  });
}

/**
 * Turns an SDK failure into hush's typed error. 404 and disabled secrets are handled by the
 * callers (they mean "no value here"); everything else lands here.
 */
export function toHushError(
  error: unknown,
  context: { provider: string; operation: string; key?: string },
): Error {
  if (error instanceof HushError) return error;
  const failure = failureOf(error);
  const what = context.key ? `${context.operation} '${context.key}'` : context.operation;
  const text = describe(failure);
  const status = failure.statusCode;

  if (CREDENTIAL_ERRORS.has(failure.name ?? '')) {
    // An identity endpoint that cannot be reached (MSAL: network_error, endpoints_resolution_error) is an outage, not a refusal.
    if (
      /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|network_error|endpoints_resolution_error/.test(
        failure.message ?? '',
      )
    )
      return new ProviderUnavailableError(
        `azure provider '${context.provider}' cannot reach its identity endpoint for ${what}`,
        [{ provider: context.provider, code: failure.name ?? 'CredentialError', message: text }],
        { cause: safeCause(error) },
      );
    return new AccessDeniedError(
      `azure provider '${context.provider}': could not get a token for ${what} (${text})`,
      {
        cause: safeCause(error),
        operation: context.operation,
        hint: 'check the credential: managed identity, AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or `az login`',
      },
    );
  }
  if (typeof failure.message === 'string' && failure.message.includes('disableChallengeResourceVerification'))
    return new ConfigError(`azure provider '${context.provider}': ${failure.message}`, {
      hint: 'the vault URL does not end in .vault.azure.net; for an emulator pass clientOptions: { disableChallengeResourceVerification: true }',
    });
  if (status === 401 || status === 403)
    return new AccessDeniedError(`azure provider '${context.provider}': access denied to ${what} (${text})`, {
      cause: safeCause(error),
      operation: context.operation,
    });
  if (
    status === 429 ||
    (status !== undefined && status >= 500) ||
    status === 408 ||
    failure.name === 'AbortError' ||
    (status === undefined && (isNetworkCode(failure.code) || failure.name === 'RestError'))
  )
    return new ProviderUnavailableError(
      `azure provider '${context.provider}' is unavailable for ${what}`,
      [
        {
          provider: context.provider,
          code: failure.code ?? (status ? String(status) : 'NETWORK'),
          message: text,
        },
      ],
      { cause: safeCause(error) },
    );
  if (status === 400)
    return new ValidationError(`azure provider '${context.provider}': ${what} refused (${text})`, {
      cause: safeCause(error),
    });
  return new ProviderError(context.provider, `${what} failed (${text})`, { cause: safeCause(error) });
}
