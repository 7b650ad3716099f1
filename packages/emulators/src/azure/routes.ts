import { createHmac } from 'node:crypto';
import type { SecretPermission } from './auth.js';
import { type StoredSecret, type StoredVersion, VaultState } from './state.js';

/** What a route hands back to the server: a status, a JSON body and extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Key Vault's error body: `{"error":{"code","message","innererror"?}}`. */
export function errorReply(
  status: number,
  code: string,
  message: string,
  inner?: string,
  headers?: Record<string, string>,
): Reply {
  return {
    status,
    body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
    ...(headers ? { headers } : {}),
  };
}

export type Operation =
  | 'SetSecret'
  | 'GetSecret'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'GetSecrets'
  | 'GetSecretVersions'
  | 'GetDeletedSecrets'
  | 'GetDeletedSecret'
  | 'PurgeDeletedSecret'
  | 'RecoverDeletedSecret'
  | 'BackupSecret'
  | 'RestoreSecret';

export interface Route {
  operation: Operation;
  permission: SecretPermission;
  name?: string;
  version?: string;
}

/** Key Vault object names: 1 to 127 of letters, digits and dashes. */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Largest value the service accepts (25k bytes). */
export const MAX_VALUE_BYTES = 25 * 1024;
/** Most tags per secret version. */
export const MAX_TAGS = 15;
/** Page size limit of every list operation (the `maxresults` maximum and default). */
export const MAX_PAGE_SIZE = 25;

/** Maps method and path to an operation, or to the 404/405 the service would answer. */
export function resolveRoute(method: string, pathname: string): Route | Reply {
  const segments = pathname.split('/').slice(1);
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    return errorReply(400, 'BadParameter', `The request URI '${pathname}' is not valid.`);
  }
  const [collection, rawName, third, fourth] = decoded;
  const notFound = errorReply(404, 'NotFound', `The requested resource '${pathname}' was not found.`);
  const notAllowed = errorReply(
    405,
    'MethodNotAllowed',
    `The requested method '${method}' is not allowed on '${pathname}'.`,
  );
  if (segments.length > 4 || (segments.length === 4 && fourth !== '')) return notFound;

  if (collection === 'secrets') {
    if (rawName === undefined || rawName === '') {
      if (segments.length > 2) return notFound;
      return method === 'GET' ? { operation: 'GetSecrets', permission: 'list' } : notAllowed;
    }
    if (rawName === 'restore' && third === undefined)
      return method === 'POST' ? { operation: 'RestoreSecret', permission: 'restore' } : notAllowed;
    const name = rawName;
    if (third === undefined) {
      if (method === 'PUT') return { operation: 'SetSecret', permission: 'set', name };
      if (method === 'DELETE') return { operation: 'DeleteSecret', permission: 'delete', name };
      if (method === 'GET') return { operation: 'GetSecret', permission: 'get', name, version: '' };
      return notAllowed;
    }
    if (third === 'versions')
      return method === 'GET' ? { operation: 'GetSecretVersions', permission: 'list', name } : notAllowed;
    if (third === 'backup')
      return method === 'POST' ? { operation: 'BackupSecret', permission: 'backup', name } : notAllowed;
    if (method === 'GET') return { operation: 'GetSecret', permission: 'get', name, version: third };
    if (method === 'PATCH') return { operation: 'UpdateSecret', permission: 'set', name, version: third };
    return notAllowed;
  }

  if (collection === 'deletedsecrets') {
    if (rawName === undefined || rawName === '') {
      if (segments.length > 2) return notFound;
      return method === 'GET' ? { operation: 'GetDeletedSecrets', permission: 'list' } : notAllowed;
    }
    if (third === undefined || third === '') {
      if (method === 'GET') return { operation: 'GetDeletedSecret', permission: 'get', name: rawName };
      if (method === 'DELETE') return { operation: 'PurgeDeletedSecret', permission: 'purge', name: rawName };
      return notAllowed;
    }
    if (third === 'recover')
      return method === 'POST'
        ? { operation: 'RecoverDeletedSecret', permission: 'recover', name: rawName }
        : notAllowed;
  }
  return notFound;
}

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

const seconds = (ms: number) => Math.floor(ms / 1000);

function secretNotFound(name: string, version?: string): Reply {
  const id = version ? `${name}/${version}` : name;
  return errorReply(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

function deletedSecretNotFound(name: string): Reply {
  return errorReply(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

function badParameter(message: string): Reply {
  return errorReply(400, 'BadParameter', message);
}

/** The secret's attributes on the wire, with the vault-wide recovery settings. */
function wireAttributes(version: StoredVersion, settings: VaultSettings) {
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

function latest(secret: StoredSecret): StoredVersion {
  return secret.versions[secret.versions.length - 1]!;
}

/** A SecretBundle; the value only where the operation returns it (set and get). */
function bundle(secret: StoredSecret, version: StoredVersion, settings: VaultSettings, withValue: boolean) {
  return {
    ...(withValue ? { value: version.value } : {}),
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
    id: `${settings.vaultUrl}/secrets/${secret.name}/${version.id}`,
    attributes: wireAttributes(version, settings),
    ...(version.tags ? { tags: version.tags } : {}),
  };
}

function deletedBundle(secret: StoredSecret, settings: VaultSettings) {
  const deletion = secret.deleted!;
  return {
    recoveryId: `${settings.vaultUrl}/deletedsecrets/${secret.name}`,
    deletedDate: deletion.deletedDate,
    scheduledPurgeDate: deletion.scheduledPurgeDate,
    ...bundle(secret, latest(secret), settings, false),
  };
}

/** An item of a list: identifier without version for secrets, with it for versions. */
function listItem(
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

function checkName(name: string): Reply | undefined {
  if (!SECRET_NAME.test(name)) return badParameter(`The request URI contains an invalid name: ${name}`);
  return undefined;
}

/** A secret whose deletion or recovery is finished, as readers see it. */
function visibleActive(state: VaultState, name: string, now: number): StoredSecret | undefined {
  const secret = state.find(name);
  if (!secret || secret.deleted) return undefined;
  if (secret.recoveringUntilMs !== undefined && now < secret.recoveringUntilMs) return undefined;
  return secret;
}

function visibleDeleted(state: VaultState, name: string, now: number): StoredSecret | undefined {
  const secret = state.find(name);
  if (!secret?.deleted) return undefined;
  return now >= secret.deleted.visibleAfterMs ? secret : undefined;
}

function checkTags(tags: unknown): Reply | Record<string, string> | undefined {
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

function checkAttributes(input: unknown): Reply | WireAttributesInput {
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

function isReply(value: unknown): value is Reply {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof (value as Reply).status === 'number'
  );
}

/** Parses `maxresults` and `$skiptoken` and cuts one page out of sorted items. */
function page<T>(
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

const seqKey = (version: StoredVersion) => version.seq.toString().padStart(12, '0');

function sealBackup(secret: StoredSecret, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify({ name: secret.name, versions: secret.versions })).toString(
    'base64url',
  );
  const mac = createHmac('sha256', key).update(payload).digest('base64url');
  return `${payload}.${mac}`;
}

function openBackup(blob: string, key: Buffer): { name: string; versions: StoredVersion[] } | undefined {
  const [payload, mac] = blob.split('.');
  if (!payload || !mac) return undefined;
  if (createHmac('sha256', key).update(payload).digest('base64url') !== mac) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      name: string;
      versions: StoredVersion[];
    };
  } catch {
    return undefined;
  }
}

/** Serves one authenticated, authorised Key Vault secrets request. */
export function handle(ctx: RequestContext): Reply {
  const { route, state, settings, now } = ctx;
  const name = route.name;
  if (name !== undefined) {
    const invalid = checkName(name);
    if (invalid) return invalid;
  }
  const body = (ctx.body ?? {}) as Record<string, unknown>;

  switch (route.operation) {
    case 'SetSecret': {
      if (typeof body.value !== 'string')
        return badParameter('Property value is required and must be a string.');
      if (Buffer.byteLength(body.value, 'utf8') > MAX_VALUE_BYTES)
        return badParameter(
          `Secret is beyond the maximum permitted length of ${MAX_VALUE_BYTES} characters.`,
        );
      const tags = checkTags(body.tags);
      if (isReply(tags)) return tags;
      const attrs = checkAttributes(body.attributes);
      if (isReply(attrs)) return attrs;
      if (
        body.contentType !== undefined &&
        body.contentType !== null &&
        (typeof body.contentType !== 'string' || body.contentType.length > 255)
      )
        return badParameter('Property contentType has invalid value.');

      const existing = state.find(name!);
      if (existing?.deleted) {
        if (now < existing.deleted.visibleAfterMs)
          return errorReply(
            409,
            'Conflict',
            `Secret ${existing.name} is currently being deleted.`,
            'ObjectIsBeingDeleted',
          );
        return errorReply(
          409,
          'Conflict',
          `Secret ${existing.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
          'ObjectIsDeletedButRecoverable',
        );
      }
      if (existing?.recoveringUntilMs !== undefined && now < existing.recoveringUntilMs)
        return errorReply(
          409,
          'Conflict',
          `Secret ${existing.name} is currently being recovered and cannot be re-created; retry later.`,
          'ObjectIsBeingRecovered',
        );

      const at = seconds(now);
      const version: StoredVersion = {
        id: VaultState.newVersionId(),
        seq: existing ? latest(existing).seq + 1 : 1,
        value: body.value,
        ...(typeof body.contentType === 'string' ? { contentType: body.contentType } : {}),
        ...(tags ? { tags } : {}),
        attributes: {
          enabled: typeof attrs.enabled === 'boolean' ? attrs.enabled : true,
          ...(typeof attrs.nbf === 'number' ? { nbf: attrs.nbf } : {}),
          ...(typeof attrs.exp === 'number' ? { exp: attrs.exp } : {}),
          created: at,
          updated: at,
        },
      };
      const secret: StoredSecret = existing
        ? { name: name!, versions: [...existing.versions, version] }
        : { name: name!, versions: [version] };
      state.put(secret);
      return { status: 200, body: bundle(secret, version, settings, true) };
    }

    case 'GetSecret': {
      const secret = visibleActive(state, name!, now);
      if (!secret) return secretNotFound(name!);
      const version = route.version
        ? secret.versions.find((v) => v.id === route.version!.toLowerCase())
        : latest(secret);
      if (!version) return secretNotFound(name!, route.version);
      // Not-yet-valid and expired secrets stay readable (the service's documented behaviour); disabled ones do not.
      if (!version.attributes.enabled)
        return errorReply(
          403,
          'Forbidden',
          'Operation get is not allowed on a disabled secret.',
          'SecretDisabled',
        );
      return { status: 200, body: bundle(secret, version, settings, true) };
    }

    case 'UpdateSecret': {
      const secret = visibleActive(state, name!, now);
      if (!secret) return secretNotFound(name!);
      const version = route.version
        ? secret.versions.find((v) => v.id === route.version!.toLowerCase())
        : latest(secret);
      if (!version) return secretNotFound(name!, route.version);
      const tags = checkTags(body.tags);
      if (isReply(tags)) return tags;
      const attrs = checkAttributes(body.attributes);
      if (isReply(attrs)) return attrs;
      // Properties left out of the request stay as they were.
      if (tags !== undefined) version.tags = tags;
      if (typeof body.contentType === 'string') version.contentType = body.contentType;
      if (typeof attrs.enabled === 'boolean') version.attributes.enabled = attrs.enabled;
      if (typeof attrs.nbf === 'number') version.attributes.nbf = attrs.nbf;
      if (typeof attrs.exp === 'number') version.attributes.exp = attrs.exp;
      version.attributes.updated = seconds(now);
      state.put(secret);
      return { status: 200, body: bundle(secret, version, settings, false) };
    }

    case 'DeleteSecret': {
      const secret = visibleActive(state, name!, now);
      if (!secret) return secretNotFound(name!);
      const deletedDate = seconds(now);
      secret.deleted = {
        deletedDate,
        scheduledPurgeDate: deletedDate + settings.recoverableDays * 86_400,
        visibleAfterMs: now + settings.operationDelayMs,
      };
      delete secret.recoveringUntilMs;
      state.put(secret);
      return { status: 200, body: deletedBundle(secret, settings) };
    }

    case 'GetSecrets': {
      const active = state
        .active()
        .filter((s) => s.recoveringUntilMs === undefined || now >= s.recoveringUntilMs);
      const cut = page(active, (s) => VaultState.key(s.name), ctx, '/secrets');
      if (isReply(cut)) return cut;
      return {
        status: 200,
        body: {
          value: cut.items.map((s) => listItem(s, latest(s), settings, false)),
          nextLink: cut.nextLink,
        },
      };
    }

    case 'GetSecretVersions': {
      const secret = visibleActive(state, name!, now);
      const versions = secret ? secret.versions : [];
      const cut = page(versions, seqKey, ctx, `/secrets/${name}/versions`);
      if (isReply(cut)) return cut;
      return {
        status: 200,
        body: { value: cut.items.map((v) => listItem(secret!, v, settings, true)), nextLink: cut.nextLink },
      };
    }

    case 'GetDeletedSecrets': {
      const deleted = state.deleted().filter((s) => now >= s.deleted!.visibleAfterMs);
      const cut = page(deleted, (s) => VaultState.key(s.name), ctx, '/deletedsecrets');
      if (isReply(cut)) return cut;
      return {
        status: 200,
        body: {
          value: cut.items.map((s) => ({
            recoveryId: `${settings.vaultUrl}/deletedsecrets/${s.name}`,
            deletedDate: s.deleted!.deletedDate,
            scheduledPurgeDate: s.deleted!.scheduledPurgeDate,
            ...listItem(s, latest(s), settings, false),
          })),
          nextLink: cut.nextLink,
        },
      };
    }

    case 'GetDeletedSecret': {
      const secret = visibleDeleted(state, name!, now);
      if (!secret) return deletedSecretNotFound(name!);
      return { status: 200, body: deletedBundle(secret, settings) };
    }

    case 'PurgeDeletedSecret': {
      const secret = state.find(name!);
      if (!secret?.deleted) return deletedSecretNotFound(name!);
      if (now < secret.deleted.visibleAfterMs)
        return errorReply(
          409,
          'Conflict',
          `Secret ${secret.name} is currently being deleted.`,
          'ObjectIsBeingDeleted',
        );
      state.remove(name!);
      return { status: 204 };
    }

    case 'RecoverDeletedSecret': {
      const secret = visibleDeleted(state, name!, now);
      if (!secret) return deletedSecretNotFound(name!);
      delete secret.deleted;
      if (settings.operationDelayMs > 0) secret.recoveringUntilMs = now + settings.operationDelayMs;
      state.put(secret);
      return { status: 200, body: bundle(secret, latest(secret), settings, false) };
    }

    case 'BackupSecret': {
      const secret = visibleActive(state, name!, now);
      if (!secret) return secretNotFound(name!);
      return { status: 200, body: { value: sealBackup(secret, settings.backupKey) } };
    }

    case 'RestoreSecret': {
      if (typeof body.value !== 'string')
        return badParameter('Property value is required and must be a string.');
      const restored = openBackup(body.value, settings.backupKey);
      if (!restored) return badParameter('Backup blob contains invalid or corrupt data.');
      const existing = state.find(restored.name);
      if (existing)
        return errorReply(
          409,
          'Conflict',
          existing.deleted
            ? `Secret ${existing.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`
            : `Secret ${existing.name} already exists.`,
          existing.deleted ? 'ObjectIsDeletedButRecoverable' : undefined,
        );
      const secret: StoredSecret = { name: restored.name, versions: restored.versions };
      state.put(secret);
      return { status: 200, body: bundle(secret, latest(secret), settings, false) };
    }
  }
}
