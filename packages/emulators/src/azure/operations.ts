import { openBackup, sealBackup } from './backup.js';
import type { Operation, Reply } from './routes.js';
import { errorReply, MAX_VALUE_BYTES } from './routes.js';
import { type StoredSecret, type StoredVersion, VaultState } from './state.js';
import {
  badParameter,
  bundle,
  checkAttributes,
  checkName,
  checkTags,
  deletedBundle,
  deletedSecretNotFound,
  isReply,
  latest,
  listItem,
  page,
  type RequestContext,
  seconds,
  secretNotFound,
  seqKey,
  visibleActive,
  visibleDeleted,
} from './wire.js';

function setSecret(ctx: RequestContext, name: string, body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  if (typeof body.value !== 'string') return badParameter('Property value is required and must be a string.');
  if (Buffer.byteLength(body.value, 'utf8') > MAX_VALUE_BYTES)
    return badParameter(`Secret is beyond the maximum permitted length of ${MAX_VALUE_BYTES} characters.`);
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

  const existing = state.find(name);
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
    ? { name: name, versions: [...existing.versions, version] }
    : { name: name, versions: [version] };
  state.put(secret);
  return { status: 200, body: bundle(secret, version, settings, true) };
}

function getSecret(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { route, state, settings, now } = ctx;
  const secret = visibleActive(state, name, now);
  if (!secret) return secretNotFound(name);
  const version = route.version
    ? secret.versions.find((v) => v.id === route.version!.toLowerCase())
    : latest(secret);
  if (!version) return secretNotFound(name, route.version);
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

function updateSecret(ctx: RequestContext, name: string, body: Record<string, unknown>): Reply {
  const { route, state, settings, now } = ctx;
  const secret = visibleActive(state, name, now);
  if (!secret) return secretNotFound(name);
  const version = route.version
    ? secret.versions.find((v) => v.id === route.version!.toLowerCase())
    : latest(secret);
  if (!version) return secretNotFound(name, route.version);
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

function deleteSecret(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  const secret = visibleActive(state, name, now);
  if (!secret) return secretNotFound(name);
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

function getSecrets(ctx: RequestContext, _name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
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

function getSecretVersions(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  const secret = visibleActive(state, name, now);
  const versions = secret ? secret.versions : [];
  const cut = page(versions, seqKey, ctx, `/secrets/${name}/versions`);
  if (isReply(cut)) return cut;
  return {
    status: 200,
    body: { value: cut.items.map((v) => listItem(secret!, v, settings, true)), nextLink: cut.nextLink },
  };
}

function getDeletedSecrets(ctx: RequestContext, _name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
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

function getDeletedSecret(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  const secret = visibleDeleted(state, name, now);
  if (!secret) return deletedSecretNotFound(name);
  return { status: 200, body: deletedBundle(secret, settings) };
}

function purgeDeletedSecret(ctx: RequestContext, name: string): Reply {
  const { state, now } = ctx;
  const secret = state.find(name);
  if (!secret?.deleted) return deletedSecretNotFound(name);
  if (now < secret.deleted.visibleAfterMs)
    return errorReply(
      409,
      'Conflict',
      `Secret ${secret.name} is currently being deleted.`,
      'ObjectIsBeingDeleted',
    );
  state.remove(name);
  return { status: 204 };
}

function recoverDeletedSecret(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  const secret = visibleDeleted(state, name, now);
  if (!secret) return deletedSecretNotFound(name);
  delete secret.deleted;
  if (settings.operationDelayMs > 0) secret.recoveringUntilMs = now + settings.operationDelayMs;
  state.put(secret);
  return { status: 200, body: bundle(secret, latest(secret), settings, false) };
}

function backupSecret(ctx: RequestContext, name: string, _body: Record<string, unknown>): Reply {
  const { state, settings, now } = ctx;
  const secret = visibleActive(state, name, now);
  if (!secret) return secretNotFound(name);
  return { status: 200, body: { value: sealBackup(secret, settings.backupKey) } };
}

function restoreSecret(ctx: RequestContext, _name: string, body: Record<string, unknown>): Reply {
  const { state, settings } = ctx;
  if (typeof body.value !== 'string') return badParameter('Property value is required and must be a string.');
  const restored = openBackup(body.value, settings.backupKey);
  if (!restored) return badParameter('Backup blob contains invalid or corrupt version.');
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

type OperationHandler = (ctx: RequestContext, name: string, body: Record<string, unknown>) => Reply;

const handlers: Record<Operation, OperationHandler> = {
  SetSecret: setSecret,
  GetSecret: getSecret,
  UpdateSecret: updateSecret,
  DeleteSecret: deleteSecret,
  GetSecrets: getSecrets,
  GetSecretVersions: getSecretVersions,
  GetDeletedSecrets: getDeletedSecrets,
  GetDeletedSecret: getDeletedSecret,
  PurgeDeletedSecret: purgeDeletedSecret,
  RecoverDeletedSecret: recoverDeletedSecret,
  BackupSecret: backupSecret,
  RestoreSecret: restoreSecret,
};

/** Serves one authenticated, authorised Key Vault secrets request. */
export function handle(ctx: RequestContext): Reply {
  const name = ctx.route.name;
  if (name !== undefined) {
    const invalid = checkName(name);
    if (invalid) return invalid;
  }
  return handlers[ctx.route.operation](ctx, name ?? '', (ctx.body ?? {}) as Record<string, unknown>);
}
