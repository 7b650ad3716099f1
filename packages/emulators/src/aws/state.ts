import { randomInt, randomUUID } from 'node:crypto';
import {
  AwsError,
  invalidParameter,
  invalidRequest,
  markedForDeletion,
  notFound,
  validation,
} from './errors.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** AWS keeps about this many versions; older ones without staging labels are removed first. */
export const MAX_VERSIONS = 100;
/** The largest SecretString or SecretBinary Secrets Manager accepts, in bytes. */
export const MAX_SECRET_BYTES = 65_536;

export interface Tag {
  Key: string;
  Value: string;
}

export interface StoredVersion {
  versionId: string;
  secretString?: string;
  /** Base64, as it travels in the JSON protocol. */
  secretBinary?: string;
  createdAt: number;
  stages: string[];
  lastAccessedAt?: number;
}

export interface StoredSecret {
  /** Creation order: the cursor behind NextToken. */
  seq: number;
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  /** Oldest first. */
  versions: StoredVersion[];
  createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number;
  /** When DeleteSecret scheduled the deletion. */
  deletedAt?: number;
  /** When the secret disappears for good. */
  purgeAt?: number;
}

export interface Filter {
  Key?: string;
  Values?: string[];
}

type Input = Record<string, any>;
type Output = Record<string, unknown>;

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const FILTER_KEYS = new Set([
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
]);
const FILTER_VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY_MS = 86_400_000;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** Drops undefined fields, as AWS omits absent members. */
function compact(value: Output): Output {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export interface StoreOptions {
  region: string;
  accountId: string;
  now?: () => number;
}

export interface SerializedStore {
  seq: number;
  secrets: StoredSecret[];
}

/** The Secrets Manager data model: secrets, versions, staging labels, tags and scheduled deletion. */
export class SecretsStore {
  readonly #secrets = new Map<string, StoredSecret>();
  #seq = 0;
  readonly #now: () => number;

  constructor(private readonly options: StoreOptions) {
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#secrets.size;
  }

  toJSON(): SerializedStore {
    return { seq: this.#seq, secrets: [...this.#secrets.values()] };
  }

  load(data: SerializedStore): void {
    this.#secrets.clear();
    this.#seq = data.seq;
    for (const secret of data.secrets) this.#secrets.set(secret.name, secret);
  }

  // ---- operations (input and output in the service's JSON shapes) ----

  createSecret(input: Input): Output {
    const name = requireString(input, 'Name');
    if (!NAME.test(name))
      throw invalidParameter(
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    const token = optionalToken(input);
    const value = readValue(input, false);
    const tags = readTags(input.Tags ?? []);
    this.#purgeExpired();
    const existing = this.#secrets.get(name);
    if (existing) {
      if (existing.deletedAt !== undefined)
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      // A retried CreateSecret (same token, same value) is answered as the first one was.
      const same = token && existing.versions.find((v) => v.versionId === token);
      if (same && value && sameValue(same, value))
        return { ARN: existing.arn, Name: existing.name, VersionId: same.versionId };
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const now = this.#now();
    const secret: StoredSecret = {
      seq: ++this.#seq,
      arn: `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${randomSuffix()}`,
      name,
      tags,
      versions: [],
      createdAt: now,
      lastChangedAt: now,
    };
    if (typeof input.Description === 'string') secret.description = input.Description;
    if (typeof input.KmsKeyId === 'string') secret.kmsKeyId = input.KmsKeyId;
    let versionId: string | undefined;
    if (value) versionId = this.#addVersion(secret, value, token ?? randomUUID(), [AWSCURRENT]).versionId;
    this.#secrets.set(name, secret);
    return compact({ ARN: secret.arn, Name: secret.name, VersionId: versionId });
  }

  getSecretValue(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const version = this.#pickVersion(secret, input.VersionId, input.VersionStage);
    const now = this.#now();
    version.lastAccessedAt = now;
    secret.lastAccessedAt = now;
    return valueEntry(secret, version);
  }

  putSecretValue(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const value = readValue(input, true)!;
    const token = optionalToken(input) ?? randomUUID();
    const stages = readStages(input.VersionStages) ?? [AWSCURRENT];
    const existing = secret.versions.find((v) => v.versionId === token);
    if (existing) {
      if (!sameValue(existing, value))
        throw new AwsError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: existing.versionId,
        VersionStages: [...existing.stages],
      };
    }
    const version = this.#addVersion(secret, value, token, stages);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
    };
  }

  updateSecret(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const value = readValue(input, false);
    if (typeof input.Description === 'string') secret.description = input.Description;
    if (typeof input.KmsKeyId === 'string') secret.kmsKeyId = input.KmsKeyId;
    secret.lastChangedAt = this.#now();
    let versionId: string | undefined;
    if (value) {
      const token = optionalToken(input) ?? randomUUID();
      const existing = secret.versions.find((v) => v.versionId === token);
      if (existing && !sameValue(existing, value))
        throw new AwsError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      versionId = existing
        ? existing.versionId
        : this.#addVersion(secret, value, token, [AWSCURRENT]).versionId;
    }
    return compact({ ARN: secret.arn, Name: secret.name, VersionId: versionId });
  }

  updateSecretVersionStage(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const stage = requireString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    const holder = secret.versions.find((v) => v.stages.includes(stage));
    const find = (id: string) => {
      const version = secret.versions.find((v) => v.versionId === id);
      if (!version) throw notFound("Secrets Manager can't find the specified secret version.");
      return version;
    };
    if (removeFrom !== undefined) {
      const from = find(removeFrom);
      if (!from.stages.includes(stage))
        throw invalidParameter(
          `The staging label ${stage} is not attached to version ${removeFrom}, so you can't remove it.`,
        );
    }
    if (moveTo !== undefined) {
      const target = find(moveTo);
      if (holder && holder !== target && holder.versionId !== removeFrom)
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      if (holder !== target) this.#attach(secret, target, stage);
    } else if (removeFrom !== undefined) {
      if (stage === AWSCURRENT)
        throw invalidParameter(
          'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
        );
      const from = find(removeFrom);
      from.stages = from.stages.filter((s) => s !== stage);
    } else {
      throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    secret.lastChangedAt = this.#now();
    this.#prune(secret);
    return { ARN: secret.arn, Name: secret.name };
  }

  describeSecret(input: Input): Output {
    const secret = this.#find(input.SecretId);
    return compact({
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      KmsKeyId: secret.kmsKeyId,
      RotationEnabled: false,
      LastChangedDate: seconds(secret.lastChangedAt),
      LastAccessedDate: seconds(secret.lastAccessedAt),
      DeletedDate: seconds(secret.deletedAt),
      Tags: secret.tags.length ? secret.tags.map((t) => ({ ...t })) : undefined,
      VersionIdsToStages: stagesMap(secret),
      CreatedDate: seconds(secret.createdAt),
    });
  }

  listSecrets(input: Input): Output {
    const maxResults = readMaxResults(input.MaxResults, 100, 100);
    const filters = readFilters(input.Filters);
    const order = input.SortOrder === 'asc' ? 'asc' : 'desc';
    if (input.SortOrder !== undefined && input.SortOrder !== 'asc' && input.SortOrder !== 'desc')
      throw validation(
        `1 validation error detected: Value '${input.SortOrder}' at 'sortOrder' failed to satisfy constraint`,
      );
    const candidates = this.#sorted(order).filter(
      (s) => (input.IncludePlannedDeletion === true || s.deletedAt === undefined) && matchesAll(s, filters),
    );
    const { page, nextToken } = paginate(candidates, input.NextToken, maxResults, order);
    return compact({
      SecretList: page.map((s) =>
        compact({
          ARN: s.arn,
          Name: s.name,
          Description: s.description,
          KmsKeyId: s.kmsKeyId,
          RotationEnabled: false,
          LastChangedDate: seconds(s.lastChangedAt),
          LastAccessedDate: seconds(s.lastAccessedAt),
          DeletedDate: seconds(s.deletedAt),
          Tags: s.tags.length ? s.tags.map((t) => ({ ...t })) : undefined,
          SecretVersionsToStages: stagesMap(s),
          CreatedDate: seconds(s.createdAt),
        }),
      ),
      NextToken: nextToken,
    });
  }

  listSecretVersionIds(input: Input): Output {
    const secret = this.#find(input.SecretId);
    const maxResults = readMaxResults(input.MaxResults, 100, 100);
    const versions = secret.versions
      .filter((v) => input.IncludeDeprecated === true || v.stages.length > 0)
      .slice()
      .reverse();
    const start = input.NextToken === undefined ? 0 : decodeOffset(input.NextToken);
    const page = versions.slice(start, start + maxResults);
    const next = start + maxResults < versions.length ? encodeOffset(start + maxResults) : undefined;
    return compact({
      Versions: page.map((v) =>
        compact({
          VersionId: v.versionId,
          VersionStages: [...v.stages],
          LastAccessedDate: seconds(v.lastAccessedAt),
          CreatedDate: seconds(v.createdAt),
          KmsKeyIds: ['DefaultEncryptionKey'],
        }),
      ),
      NextToken: next,
      ARN: secret.arn,
      Name: secret.name,
    });
  }

  deleteSecret(input: Input): Output {
    const secret = this.#find(input.SecretId);
    const force = input.ForceDeleteWithoutRecovery === true;
    const window = input.RecoveryWindowInDays;
    if (force && window !== undefined)
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    const now = this.#now();
    if (force) {
      this.#secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(now) };
    }
    const days = window === undefined ? 30 : window;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30)
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    if (secret.deletedAt !== undefined)
      throw invalidRequest(
        "You can't perform this operation on the secret because it was already scheduled for deletion.",
      );
    secret.deletedAt = now;
    secret.purgeAt = now + days * DAY_MS;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(secret.purgeAt) };
  }

  restoreSecret(input: Input): Output {
    const secret = this.#find(input.SecretId);
    delete secret.deletedAt;
    delete secret.purgeAt;
    secret.lastChangedAt = this.#now();
    return { ARN: secret.arn, Name: secret.name };
  }

  tagResource(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const merged = secret.tags.map((t) => ({ ...t }));
    for (const tag of readTags(input.Tags)) {
      const existing = merged.find((t) => t.Key === tag.Key);
      if (existing) existing.Value = tag.Value;
      else merged.push(tag);
    }
    if (merged.length > 50) throw validation('Number of tags exceeds the limit of 50 tags per secret.');
    secret.tags = merged;
    secret.lastChangedAt = this.#now();
    return {};
  }

  untagResource(input: Input): Output {
    const secret = this.#live(input.SecretId);
    if (!Array.isArray(input.TagKeys))
      throw validation("1 validation error detected: 'tagKeys' must not be null");
    const keys = new Set<string>(input.TagKeys);
    secret.tags = secret.tags.filter((t) => !keys.has(t.Key));
    secret.lastChangedAt = this.#now();
    return {};
  }

  /** `canRead` lets the server's access policy deny single secrets, reported in `Errors`. */
  batchGetSecretValue(input: Input, canRead: (name: string) => boolean = () => true): Output {
    const ids = input.SecretIdList;
    const filters = input.Filters;
    if ((ids === undefined) === (filters === undefined))
      throw invalidParameter('Either SecretIdList or Filters must be specified, but not both.');
    if (ids !== undefined) {
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 20)
        throw validation(
          "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20",
        );
      if (input.MaxResults !== undefined || input.NextToken !== undefined)
        throw invalidParameter('MaxResults and NextToken can only be used with Filters.');
      const values: Output[] = [];
      const errors: Output[] = [];
      for (const id of ids as string[]) {
        try {
          const secret = this.#find(id);
          if (!canRead(secret.name)) {
            errors.push({
              SecretId: id,
              ErrorCode: 'AccessDeniedException',
              Message: 'You are not authorized to retrieve this secret.',
            });
            continue;
          }
          values.push(this.getSecretValue({ SecretId: id }));
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
        }
      }
      return { SecretValues: values, Errors: errors };
    }
    const parsed = readFilters(filters);
    const maxResults = readMaxResults(input.MaxResults, 20, 20);
    const candidates = this.#sorted('asc').filter((s) => s.deletedAt === undefined && matchesAll(s, parsed));
    const { page, nextToken } = paginate(candidates, input.NextToken, maxResults, 'asc');
    const values: Output[] = [];
    const errors: Output[] = [];
    for (const secret of page) {
      if (!canRead(secret.name)) {
        errors.push({
          SecretId: secret.arn,
          ErrorCode: 'AccessDeniedException',
          Message: 'You are not authorized to retrieve this secret.',
        });
        continue;
      }
      try {
        values.push(this.getSecretValue({ SecretId: secret.arn }));
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        errors.push({ SecretId: secret.arn, ErrorCode: error.type, Message: error.message });
      }
    }
    return compact({ SecretValues: values, Errors: errors, NextToken: nextToken });
  }

  /** The name a SecretId (name, full ARN or partial ARN) refers to, if it exists. */
  nameOf(secretId: unknown): string | undefined {
    try {
      return this.#find(secretId).name;
    } catch {
      return undefined;
    }
  }

  // ---- internals ----

  #purgeExpired(): void {
    const now = this.#now();
    for (const [name, secret] of this.#secrets)
      if (secret.purgeAt !== undefined && secret.purgeAt <= now) this.#secrets.delete(name);
  }

  #sorted(order: 'asc' | 'desc'): StoredSecret[] {
    this.#purgeExpired();
    const all = [...this.#secrets.values()].sort((a, b) => a.seq - b.seq);
    return order === 'asc' ? all : all.reverse();
  }

  #find(secretId: unknown): StoredSecret {
    if (typeof secretId !== 'string' || secretId.length === 0)
      throw validation(
        "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    this.#purgeExpired();
    if (secretId.startsWith('arn:')) {
      for (const secret of this.#secrets.values()) {
        // A full ARN, or a partial one without the random six-character suffix.
        if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
      }
      throw notFound();
    }
    const secret = this.#secrets.get(secretId);
    if (!secret) throw notFound();
    return secret;
  }

  /** A secret that is not scheduled for deletion. */
  #live(secretId: unknown): StoredSecret {
    const secret = this.#find(secretId);
    if (secret.deletedAt !== undefined) throw markedForDeletion();
    return secret;
  }

  #pickVersion(secret: StoredSecret, versionId: unknown, stage: unknown): StoredVersion {
    if (versionId !== undefined) {
      const version = secret.versions.find((v) => v.versionId === versionId);
      if (!version || (typeof stage === 'string' && !version.stages.includes(stage)))
        throw notFound(
          `Secrets Manager can't find the specified secret value for VersionId: ${String(versionId)}`,
        );
      return version;
    }
    const label = typeof stage === 'string' ? stage : AWSCURRENT;
    const version = secret.versions.find((v) => v.stages.includes(label));
    if (!version)
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${label}`);
    return version;
  }

  #addVersion(secret: StoredSecret, value: SecretValue, versionId: string, stages: string[]): StoredVersion {
    const now = this.#now();
    const version: StoredVersion = { versionId, createdAt: now, stages: [], ...value };
    secret.versions.push(version);
    for (const stage of stages) this.#attach(secret, version, stage);
    secret.lastChangedAt = now;
    this.#prune(secret);
    return version;
  }

  /** Moves a label onto `target`; moving AWSCURRENT leaves AWSPREVIOUS on the version that had it. */
  #attach(secret: StoredSecret, target: StoredVersion, stage: string): void {
    const holder = secret.versions.find((v) => v.stages.includes(stage));
    if (holder === target) return;
    if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
    target.stages.push(stage);
    if (stage === AWSCURRENT && holder) {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== AWSPREVIOUS);
      holder.stages.push(AWSPREVIOUS);
    }
  }

  #prune(secret: StoredSecret): void {
    while (secret.versions.length > MAX_VERSIONS) {
      const index = secret.versions.findIndex((v) => v.stages.length === 0);
      if (index < 0) return;
      secret.versions.splice(index, 1);
    }
  }
}

type SecretValue = { secretString: string } | { secretBinary: string };

function sameValue(version: StoredVersion, value: SecretValue): boolean {
  return 'secretString' in value
    ? version.secretString === value.secretString
    : version.secretBinary === value.secretBinary;
}

function readValue(input: Input, required: boolean): SecretValue | undefined {
  const hasString = input.SecretString !== undefined && input.SecretString !== null;
  const hasBinary = input.SecretBinary !== undefined && input.SecretBinary !== null;
  if (hasString && hasBinary)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  if (!hasString && !hasBinary) {
    if (required) throw invalidRequest('You must provide either SecretString or SecretBinary.');
    return undefined;
  }
  if (hasString) {
    if (typeof input.SecretString !== 'string') throw validation('SecretString must be a string');
    if (Buffer.byteLength(input.SecretString) > MAX_SECRET_BYTES)
      throw validation(
        `1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES}`,
      );
    return { secretString: input.SecretString };
  }
  if (typeof input.SecretBinary !== 'string') throw validation('SecretBinary must be base64 text');
  if (Buffer.from(input.SecretBinary, 'base64').length > MAX_SECRET_BYTES)
    throw validation(
      `1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES}`,
    );
  return { secretBinary: input.SecretBinary };
}

function optionalToken(input: Input): string | undefined {
  const token = input.ClientRequestToken;
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token.length < 32 || token.length > 64)
    throw validation(
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64",
    );
  return token;
}

function requireString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint`,
    );
  return value;
}

function readStages(stages: unknown): string[] | undefined {
  if (stages === undefined || stages === null) return undefined;
  if (
    !Array.isArray(stages) ||
    stages.length < 1 ||
    stages.length > 20 ||
    stages.some((s) => typeof s !== 'string')
  )
    throw validation("1 validation error detected: Value at 'versionStages' failed to satisfy constraint");
  return stages as string[];
}

function readTags(tags: unknown): Tag[] {
  if (!Array.isArray(tags)) throw validation("1 validation error detected: 'tags' must not be null");
  return tags.map((tag) => {
    const key = tag?.Key;
    const value = tag?.Value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128)
      throw validation(
        "1 validation error detected: Value at 'tags.member.key' failed to satisfy constraint",
      );
    if (typeof value !== 'string' || value.length > 256)
      throw validation(
        "1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint",
      );
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys beginning with aws: are reserved.');
    return { Key: key, Value: value };
  });
}

function readMaxResults(value: unknown, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return value;
}

interface ParsedFilter {
  key: string;
  include: string[];
  exclude: string[];
}

function readFilters(filters: unknown): ParsedFilter[] {
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters) || filters.length > 10)
    throw validation("1 validation error detected: Value at 'filters' failed to satisfy constraint");
  return filters.map((filter: Filter) => {
    if (typeof filter?.Key !== 'string' || !FILTER_KEYS.has(filter.Key))
      throw validation(
        `1 validation error detected: Value '${String(filter?.Key)}' at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]`,
      );
    const values = filter.Values ?? [];
    if (!Array.isArray(values) || values.length < 1 || values.length > 10)
      throw validation(
        "1 validation error detected: Value at 'filters.member.values' failed to satisfy constraint",
      );
    for (const v of values)
      if (typeof v !== 'string' || v.length > 512 || !FILTER_VALUE.test(v))
        throw validation(
          "1 validation error detected: Value at 'filters.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern",
        );
    return {
      key: filter.Key,
      include: values.filter((v) => !v.startsWith('!')),
      exclude: values.filter((v) => v.startsWith('!')).map((v) => v.slice(1)),
    };
  });
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

function matchOne(secret: StoredSecret, key: string, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value);
    case 'description': {
      const wanted = value.toLowerCase();
      return (
        (secret.description ?? '').toLowerCase().startsWith(wanted) ||
        words(secret.description ?? '').some((w) => w.startsWith(wanted))
      );
    }
    case 'tag-key':
      return secret.tags.some((t) => t.Key.startsWith(value));
    case 'tag-value':
      return secret.tags.some((t) => t.Value.startsWith(value));
    case 'all': {
      const haystack = [
        secret.name,
        secret.description ?? '',
        ...secret.tags.flatMap((t) => [t.Key, t.Value]),
      ].flatMap(words);
      return words(value).some((w) => haystack.some((h) => h.startsWith(w)));
    }
    default:
      // primary-region and owning-service: the emulator has no replicas and no managed secrets.
      return false;
  }
}

function matchesAll(secret: StoredSecret, filters: ParsedFilter[]): boolean {
  return filters.every(
    (f) =>
      (f.include.length === 0 || f.include.some((v) => matchOne(secret, f.key, v))) &&
      f.exclude.every((v) => !matchOne(secret, f.key, v)),
  );
}

function paginate(
  items: StoredSecret[],
  token: unknown,
  maxResults: number,
  order: 'asc' | 'desc',
): { page: StoredSecret[]; nextToken?: string } {
  let rest = items;
  if (token !== undefined && token !== null) {
    const after = decodeCursor(token);
    rest = items.filter((s) => (order === 'asc' ? s.seq > after : s.seq < after));
  }
  const page = rest.slice(0, maxResults);
  const nextToken = rest.length > maxResults ? encodeCursor(page[page.length - 1]!.seq) : undefined;
  return nextToken === undefined ? { page } : { page, nextToken };
}

const invalidToken = () => new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString('base64url');
}

function decodeCursor(token: unknown): number {
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (typeof parsed.after === 'number') return parsed.after;
  } catch {}
  throw invalidToken();
}

function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeOffset(token: unknown): number {
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {}
  throw invalidToken();
}

function stagesMap(secret: StoredSecret): Record<string, string[]> | undefined {
  const labelled = secret.versions.filter((v) => v.stages.length > 0);
  if (labelled.length === 0) return undefined;
  return Object.fromEntries(labelled.map((v) => [v.versionId, [...v.stages]]));
}

function valueEntry(secret: StoredSecret, version: StoredVersion): Output {
  return compact({
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    SecretString: version.secretString,
    SecretBinary: version.secretBinary,
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.createdAt),
  });
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
