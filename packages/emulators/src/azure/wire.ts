import { errorReply, MAX_PAGE_SIZE, MAX_TAGS, type Reply, type Route, SECRET_NAME } from './routes.js';
import type { StoredSecret, StoredVersion, VaultState } from './state.js';

export interface VaultSettings {
  vaultUrl: string;
  recoverableDays: number;
  /** How long a delete or a recovery stays "in progress" (the SDK's pollers wait it out). */
  operationDelayMs: number;
  /** Key that seals backups, so that a tampered blob is refused. */
  backupKey: Buffer;
}

export interface RequestContext {
  route: Route;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when none was sent. */
  body: unknown;
  state: VaultState;
  settings: VaultSettings;
  now: number;
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

export function secretNotFound(name: string, version?: string): Reply {
  const id = version ? `${name}/${version}` : name;
  return errorReply(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

export function deletedSecretNotFound(name: string): Reply {
  return errorReply(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

export function badParameter(message: string): Reply {
  return errorReply(400, 'BadParameter', message);
}

/** The secret's attributes on the wire, with the vault-wide recovery settings. */
export function wireAttributes(version: StoredVersion, settings: VaultSettings) {
  const { enabled, nbf, exp, created, updated } = version.attributes;
  return {
    enabled,
    ...(nbf !== undefined ? { nbf } : {}),
    ...(exp !== undefined ? { exp } : {}),
    created,
    updated,
    // The service says Customized... when the retention is not the default 90 days.
    recoveryLevel:
      settings.recoverableDays === 90 ? 'Recoverable+Purgeable' : 'CustomizedRecoverable+Purgeable',
    recoverableDays: settings.recoverableDays,
  };
}

export function latest(secret: StoredSecret): StoredVersion {
  return secret.versions[secret.versions.length - 1]!;
}

/** A SecretBundle; the value only where the operation returns it (set and get). */
export function bundle(
  secret: StoredSecret,
  version: StoredVersion,
  settings: VaultSettings,
  withValue: boolean,
) {
  return {
    ...(withValue ? { value: version.value } : {}),
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
    id: `${settings.vaultUrl}/secrets/${secret.name}/${version.id}`,
    attributes: wireAttributes(version, settings),
    ...(version.tags ? { tags: version.tags } : {}),
  };
}

export function deletedBundle(secret: StoredSecret, settings: VaultSettings) {
  const deletion = secret.deleted!;
  return {
    recoveryId: `${settings.vaultUrl}/deletedsecrets/${secret.name}`,
    deletedDate: deletion.deletedDate,
    scheduledPurgeDate: deletion.scheduledPurgeDate,
    ...bundle(secret, latest(secret), settings, false),
  };
}

/** An item of a list: identifier without version for secrets, with it for versions. */
export function listItem(
  secret: StoredSecret,
  version: StoredVersion,
  settings: VaultSettings,
  withVersion: boolean,
) {
  return {
    id: `${settings.vaultUrl}/secrets/${secret.name}${withVersion ? `/${version.id}` : ''}`,
    attributes: wireAttributes(version, settings),
    ...(version.tags ? { tags: version.tags } : {}),
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
  };
}

export function checkName(name: string): Reply | undefined {
  if (!SECRET_NAME.test(name)) return badParameter(`The request URI contains an invalid name: ${name}`);
  return undefined;
}

/** A secret whose deletion or recovery is finished, as readers see it. */
export function visibleActive(state: VaultState, name: string, now: number): StoredSecret | undefined {
  const secret = state.find(name);
  if (!secret || secret.deleted) return undefined;
  if (secret.recoveringUntilMs !== undefined && now < secret.recoveringUntilMs) return undefined;
  return secret;
}

export function visibleDeleted(state: VaultState, name: string, now: number): StoredSecret | undefined {
  const secret = state.find(name);
  if (!secret?.deleted) return undefined;
  return now >= secret.deleted.visibleAfterMs ? secret : undefined;
}

export function checkTags(tags: unknown): Reply | Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (typeof tags !== 'object' || Array.isArray(tags))
    return badParameter('Property tags has invalid value.');
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS)
    return badParameter(`The number of tags exceeds the maximum of ${MAX_TAGS}.`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') return badParameter('Property tags has invalid value.');
    if (k.length > 512 || v.length > 512)
      return badParameter('Tag names and values are limited to 512 characters.');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

interface WireAttributesInput {
  enabled?: unknown;
  nbf?: unknown;
  exp?: unknown;
}

export function checkAttributes(input: unknown): Reply | WireAttributesInput {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    return badParameter('Property attributes has invalid value.');
  const attrs = input as WireAttributesInput;
  if (attrs.enabled !== undefined && attrs.enabled !== null && typeof attrs.enabled !== 'boolean')
    return badParameter('Property attributes.enabled has invalid value.');
  for (const field of ['nbf', 'exp'] as const) {
    const value = attrs[field];
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isInteger(value)))
      return badParameter(`Property attributes.${field} has invalid value.`);
  }
  return attrs;
}

export function isReply(value: unknown): value is Reply {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof (value as Reply).status === 'number'
  );
}

/** Parses `maxresults` and `$skiptoken` and cuts one page out of sorted items. */
export function page<T>(
  items: T[],
  keyOf: (item: T) => string,
  ctx: RequestContext,
  path: string,
): Reply | { items: T[]; nextLink: string | null } {
  const raw = ctx.query.get('maxresults');
  let size = MAX_PAGE_SIZE;
  if (raw !== null) {
    size = Number(raw);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
      return badParameter(
        `Invalid value for maxresults: ${raw}. The value must be between 1 and ${MAX_PAGE_SIZE}.`,
      );
  }
  let after: string | undefined;
  const token = ctx.query.get('$skiptoken');
  if (token) {
    try {
      after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after: string }).after;
    } catch {
      return badParameter('The $skiptoken is invalid.');
    }
    if (typeof after !== 'string') return badParameter('The $skiptoken is invalid.');
  }
  const rest = after === undefined ? items : items.filter((item) => keyOf(item) > after!);
  const chosen = rest.slice(0, size);
  if (rest.length <= size) return { items: chosen, nextLink: null };
  const nextToken = Buffer.from(JSON.stringify({ after: keyOf(chosen[chosen.length - 1]!) })).toString(
    'base64url',
  );
  const apiVersion = ctx.query.get('api-version') ?? '';
  const nextLink = `${ctx.settings.vaultUrl}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${nextToken}&maxresults=${size}`;
  return { items: chosen, nextLink };
}

/** Versions sort by creation order, which is what their listing pages follow. */
export const seqKey = (version: StoredVersion) => version.seq.toString().padStart(12, '0');
