import { formatGoDuration, parseDurationSeconds } from './auth.js';
import { validateCustomMetadata } from './custom-metadata.js';
import {
  type Allowed,
  envelope,
  errors,
  isObject,
  NO_CONTENT,
  NOT_FOUND,
  noHandler,
  POLICY_DENIED,
  type RouteContext,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';
import { DEFAULT_MAX_VERSIONS, type KvEntry, type KvMount } from './state.js';

export type KvKind = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'config' | 'subkeys';

export function splitKvPath(
  path: string,
  mounts: string[],
): { mount: string; kind: KvKind; key: string } | undefined {
  for (const mount of mounts) {
    if (!path.startsWith(`${mount}/`)) continue;
    const rest = path.slice(mount.length + 1);
    if (rest === 'config') return { mount, kind: 'config', key: '' };
    const slash = rest.indexOf('/');
    const kind = (slash < 0 ? rest : rest.slice(0, slash)) as KvKind;
    if (!['data', 'metadata', 'delete', 'undelete', 'destroy', 'subkeys'].includes(kind)) return undefined;
    return { mount, kind, key: slash < 0 ? '' : rest.slice(slash + 1) };
  }
  return undefined;
}

/** RFC 7396 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** `<mount>/config`: the mount's max_versions, cas_required and delete_version_after. */
function kvConfig(ctx: RouteContext, request: VaultRequest, mount: KvMount, allowed: Allowed): VaultResponse {
  const kvEnvelope = (data: unknown) => envelope(data, { mountType: 'kv' });
  if (request.operation === 'read') {
    if (!allowed('read')) return POLICY_DENIED;
    return kvEnvelope({
      max_versions: mount.config.maxVersions,
      cas_required: mount.config.casRequired,
      delete_version_after: mount.config.deleteVersionAfter,
    });
  }
  if (request.operation !== 'write') return errors(405, 'unsupported operation');
  if (!allowed('update')) return POLICY_DENIED;
  if (request.body.max_versions !== undefined)
    mount.config.maxVersions = Number(request.body.max_versions) || 0;
  if (request.body.cas_required !== undefined) mount.config.casRequired = request.body.cas_required === true;
  if (request.body.delete_version_after !== undefined) {
    try {
      mount.config.deleteVersionAfter = formatGoDuration(
        parseDurationSeconds(request.body.delete_version_after) ?? 0,
      );
    } catch (error) {
      return errors(400, (error as Error).message);
    }
  }
  ctx.state.dirty = true;
  return NO_CONTENT;
}

export function kvRoute(
  ctx: RouteContext,
  request: VaultRequest,
  target: { mount: string; kind: KvKind; key: string },
  allowed: Allowed,
): VaultResponse {
  const mount = ctx.state.mount(request.namespace, target.mount);
  const { key } = target;
  const kvEnvelope = (data: unknown, status = 200, warnings?: string[]) =>
    envelope(data, { mountType: 'kv', warnings: warnings ?? null }, status);

  if (target.kind === 'config') return kvConfig(ctx, request, mount, allowed);

  if (target.kind === 'metadata' && request.operation === 'list') {
    if (!allowed('list')) return POLICY_DENIED;
    const folder = key === '' || key.endsWith('/') ? key : `${key}/`;
    const children = new Set<string>();
    for (const name of Object.keys(mount.entries)) {
      if (!name.startsWith(folder)) continue;
      const rest = name.slice(folder.length);
      const slash = rest.indexOf('/');
      children.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    const keys = [...children].sort();
    return keys.length ? kvEnvelope({ keys }) : NOT_FOUND;
  }
  if (request.operation === 'list') return errors(405, 'unsupported operation');
  if (!key) return noHandler(request.path);

  const entry = mount.entries[key];
  switch (target.kind) {
    case 'data':
      return kvData(ctx, request, mount, key, entry, allowed, kvEnvelope);
    case 'metadata':
      return kvMetadata(ctx, request, mount, key, entry, allowed, kvEnvelope);
    case 'subkeys':
      return errors(405, 'unsupported operation');
    default: {
      // delete/, undelete/, destroy/: POST with {"versions": [...]}.
      if (request.operation !== 'write') return errors(405, 'unsupported operation');
      if (!allowed('update')) return POLICY_DENIED;
      const versions = Array.isArray(request.body.versions) ? request.body.versions.map(Number) : [];
      if (versions.length === 0) return errors(400, 'no version number provided');
      if (!entry) return NO_CONTENT;
      const now = ctx.state.nowIso();
      for (const number of versions) {
        const version = entry.versions[String(number)];
        if (!version) continue;
        if (target.kind === 'delete' && !version.destroyed && !isDeleted(ctx, version))
          version.deletionTime = now;
        if (target.kind === 'undelete' && !version.destroyed) version.deletionTime = '';
        if (target.kind === 'destroy') {
          version.destroyed = true;
          version.data = null;
        }
      }
      ctx.state.dirty = true;
      return NO_CONTENT;
    }
  }
}

function kvData(
  ctx: RouteContext,
  request: VaultRequest,
  mount: KvMount,
  key: string,
  entry: KvEntry | undefined,
  allowed: Allowed,
  kvEnvelope: (data: unknown, status?: number, warnings?: string[]) => VaultResponse,
): VaultResponse {
  switch (request.operation) {
    case 'read': {
      if (!allowed('read')) return POLICY_DENIED;
      if (!entry) return NOT_FOUND;
      const asked = Number(request.query.get('version') ?? 0);
      const number = asked > 0 ? asked : entry.currentVersion;
      const version = entry.versions[String(number)];
      if (!version) return NOT_FOUND;
      const metadata = {
        created_time: version.createdTime,
        custom_metadata: entry.customMetadata,
        deletion_time: version.deletionTime,
        destroyed: version.destroyed,
        version: number,
      };
      // A deleted or destroyed version answers 404 but still carries its metadata, as Vault does.
      if (version.destroyed || isDeleted(ctx, version)) return kvEnvelope({ data: null, metadata }, 404);
      return kvEnvelope({ data: structuredClone(version.data), metadata });
    }
    case 'write': {
      if (!allowed(entry ? 'update' : 'create')) return POLICY_DENIED;
      if (!('data' in request.body)) return errors(400, 'no data provided');
      if (!isObject(request.body.data)) return errors(400, 'no data provided');
      const cas = checkAndSet(request, mount, entry);
      if (cas) return cas;
      const target = entry ?? newEntry(ctx, mount, key);
      const number = addVersion(ctx, mount, target, request.body.data);
      return kvEnvelope(versionSummary(target, number));
    }
    case 'patch': {
      if (!allowed('patch')) return POLICY_DENIED;
      if (!request.contentType.startsWith('application/merge-patch+json')) {
        return errors(
          415,
          `PATCH requires Content-Type of application/merge-patch+json, provided ${request.contentType || 'none'}`,
        );
      }
      if (!isObject(request.body.data)) return errors(400, 'no data provided');
      if (!entry) return NOT_FOUND;
      const cas = checkAndSet(request, mount, entry);
      if (cas) return cas;
      const current = entry.versions[String(entry.currentVersion)];
      if (!current) return NOT_FOUND;
      if (current.destroyed || isDeleted(ctx, current)) {
        return kvEnvelope(versionSummary(entry, entry.currentVersion), 404);
      }
      const patched = mergePatch(current.data, request.body.data) as Record<string, unknown>;
      const number = addVersion(ctx, mount, entry, patched);
      return kvEnvelope(versionSummary(entry, number));
    }
    case 'delete': {
      if (!allowed('delete')) return POLICY_DENIED;
      const current = entry?.versions[String(entry.currentVersion)];
      if (current && !current.destroyed && !isDeleted(ctx, current)) {
        current.deletionTime = ctx.state.nowIso();
        ctx.state.dirty = true;
      }
      return NO_CONTENT;
    }
    default:
      return errors(405, 'unsupported operation');
  }
}

/** Soft-deleted: a deletion time that has come (a future one is a scheduled delete_version_after). */
function isDeleted(ctx: RouteContext, version: { deletionTime: string }): boolean {
  return version.deletionTime !== '' && Date.parse(version.deletionTime) <= ctx.state.now();
}

function checkAndSet(
  request: VaultRequest,
  mount: KvMount,
  entry: KvEntry | undefined,
): VaultResponse | undefined {
  const options = isObject(request.body.options) ? request.body.options : {};
  if ('cas' in options) {
    const cas = Number(options.cas);
    if (!Number.isInteger(cas)) return errors(400, 'error parsing check-and-set parameter');
    if (cas !== (entry?.currentVersion ?? 0))
      return errors(400, 'check-and-set parameter did not match the current version');
    return undefined;
  }
  if (mount.config.casRequired || entry?.casRequired)
    return errors(400, 'check-and-set parameter required for this call');
  return undefined;
}

function newEntry(ctx: RouteContext, mount: KvMount, key: string): KvEntry {
  const now = ctx.state.nowIso();
  const entry: KvEntry = {
    versions: {},
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: '0s',
    customMetadata: null,
  };
  mount.entries[key] = entry;
  ctx.state.dirty = true;
  return entry;
}

function addVersion(
  ctx: RouteContext,
  mount: KvMount,
  entry: KvEntry,
  data: Record<string, unknown>,
): number {
  const now = ctx.state.nowIso();
  const number = entry.currentVersion + 1;
  // delete_version_after (the key's, else the mount's) schedules the version's soft delete.
  const after =
    parseDurationSeconds(
      entry.deleteVersionAfter !== '0s' ? entry.deleteVersionAfter : mount.config.deleteVersionAfter,
    ) ?? 0;
  const deletionTime = after > 0 ? new Date(ctx.state.now() + after * 1000).toISOString() : '';
  entry.versions[String(number)] = {
    data: structuredClone(data),
    createdTime: now,
    deletionTime,
    destroyed: false,
  };
  entry.currentVersion = number;
  entry.updatedTime = now;
  if (entry.oldestVersion === 0) entry.oldestVersion = number;
  const max = entry.maxVersions || mount.config.maxVersions || DEFAULT_MAX_VERSIONS;
  // Once a key holds more than max_versions, the oldest ones are removed for good.
  const cutoff = number - max;
  if (cutoff > 0) {
    for (const existing of Object.keys(entry.versions))
      if (Number(existing) <= cutoff) delete entry.versions[existing];
    entry.oldestVersion = Math.max(entry.oldestVersion, cutoff + 1);
  }
  ctx.state.dirty = true;
  return number;
}

function versionSummary(entry: KvEntry, number: number): Record<string, unknown> {
  const version = entry.versions[String(number)]!;
  return {
    created_time: version.createdTime,
    custom_metadata: entry.customMetadata,
    deletion_time: version.deletionTime,
    destroyed: version.destroyed,
    version: number,
  };
}

function kvMetadata(
  ctx: RouteContext,
  request: VaultRequest,
  mount: KvMount,
  key: string,
  entry: KvEntry | undefined,
  allowed: Allowed,
  kvEnvelope: (data: unknown, status?: number, warnings?: string[]) => VaultResponse,
): VaultResponse {
  switch (request.operation) {
    case 'read': {
      if (!allowed('read')) return POLICY_DENIED;
      if (!entry) return NOT_FOUND;
      const versions = Object.fromEntries(
        Object.entries(entry.versions).map(([n, v]) => [
          n,
          { created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed },
        ]),
      );
      return kvEnvelope({
        cas_required: entry.casRequired,
        created_time: entry.createdTime,
        current_version: entry.currentVersion,
        custom_metadata: entry.customMetadata,
        delete_version_after: entry.deleteVersionAfter,
        max_versions: entry.maxVersions,
        oldest_version: entry.oldestVersion,
        updated_time: entry.updatedTime,
        versions,
      });
    }
    case 'write':
    case 'patch':
      return kvWriteMetadata(ctx, request, mount, key, entry, allowed);
    case 'delete':
      if (!allowed('delete')) return POLICY_DENIED;
      if (entry) {
        delete mount.entries[key];
        ctx.state.dirty = true;
      }
      return NO_CONTENT;
    default:
      return errors(405, 'unsupported operation');
  }
}

/** `metadata/<key>` written (POST replaces the settings given) or patched (custom metadata merged, JSON merge patch). */
function kvWriteMetadata(
  ctx: RouteContext,
  request: VaultRequest,
  mount: KvMount,
  key: string,
  entry: KvEntry | undefined,
  allowed: Allowed,
): VaultResponse {
  const patch = request.operation === 'patch';
  if (!allowed(patch ? 'patch' : entry ? 'update' : 'create')) return POLICY_DENIED;
  if (patch && !entry) return NOT_FOUND;
  const body = request.body;
  let custom: Record<string, string> | undefined;
  if (body.custom_metadata !== undefined && body.custom_metadata !== null) {
    if (!isObject(body.custom_metadata))
      return errors(400, 'custom_metadata validation failed: expected a map');
    const merged = patch
      ? mergePatch(entry!.customMetadata ?? {}, body.custom_metadata)
      : body.custom_metadata;
    custom = Object.fromEntries(
      Object.entries(merged as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
    const problems = validateCustomMetadata(custom);
    if (problems.length)
      return errors(
        400,
        `${problems.length} error${problems.length > 1 ? 's' : ''} occurred:\n${problems.map((p) => `\t* ${p}`).join('\n')}\n\n`,
      );
  }
  let deleteAfter: number | undefined;
  try {
    deleteAfter = parseDurationSeconds(body.delete_version_after);
  } catch (error) {
    return errors(400, (error as Error).message);
  }
  const target = entry ?? newEntry(ctx, mount, key);
  if (body.max_versions !== undefined) target.maxVersions = Number(body.max_versions) || 0;
  if (body.cas_required !== undefined) target.casRequired = body.cas_required === true;
  if (deleteAfter !== undefined) target.deleteVersionAfter = formatGoDuration(deleteAfter);
  if (custom !== undefined) target.customMetadata = custom;
  target.updatedTime = ctx.state.nowIso();
  ctx.state.dirty = true;
  return NO_CONTENT;
}
