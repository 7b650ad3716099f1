import { randomInt } from 'node:crypto';
import {
  AwsError,
  invalidParameter,
  invalidRequest,
  markedForDeletion,
  notFound,
  validation,
} from './errors.js';
import { matchesAll, readFilters } from './filters.js';
import {
  checkSecretId,
  optionalString,
  readMaxResults,
  readStages,
  readTags,
  readValue,
  requireString,
  requireToken,
} from './input.js';
import {
  AWSCURRENT,
  compact,
  DAY_MS,
  dayOf,
  type Input,
  type Output,
  type SerializedStore,
  type StoredSecret,
  seconds,
} from './model.js';
import { pageByOffset, paginate } from './pagination.js';
import { deniesExplicitly } from './resource-policy.js';
import { addVersion, moveStage, pickVersion, sameValue } from './versions.js';
import { describe, valueEntry } from './views.js';

export type { SerializedStore, StoredSecret, StoredVersion, Tag } from './model.js';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NOT_READABLE = 'You are not authorized to retrieve this secret.';

export interface StoreOptions {
  region: string;
  accountId: string;
  now?: () => number;
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

const existingVersion = () =>
  new AwsError(
    'ResourceExistsException',
    "You can't modify an existing version, you can only create a new version.",
  );

/** The Secrets Manager operations over the data model (input and output in the service's JSON shapes). */
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

  createSecret(input: Input): Output {
    const name = checkSecretId(input.Name, 'Name');
    const token = requireToken(input);
    const value = readValue(input, false);
    const tags = input.Tags === undefined ? undefined : readTags(input.Tags);
    this.#purgeExpired();
    const existing = this.#secrets.get(name);
    if (existing) {
      if (existing.deletedAt !== undefined)
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      // A retried CreateSecret (same token, same value) is answered as the first one was.
      const same = existing.versions.find((v) => v.versionId === token);
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
      arn: this.#arn(name),
      name,
      versions: [],
      createdAt: now,
      lastChangedAt: now,
    };
    if (tags) secret.tags = tags;
    if (typeof input.Description === 'string' && input.Description !== '')
      secret.description = input.Description;
    if (typeof input.KmsKeyId === 'string') secret.kmsKeyId = input.KmsKeyId;
    const version = value ? addVersion(secret, value, token, [AWSCURRENT], now) : undefined;
    this.#secrets.set(name, secret);
    return compact({ ARN: secret.arn, Name: secret.name, VersionId: version?.versionId });
  }

  getSecretValue(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const version = pickVersion(secret, input.VersionId, input.VersionStage);
    const today = dayOf(this.#now());
    version.lastAccessedAt = today;
    secret.lastAccessedAt = today;
    return valueEntry(secret, version);
  }

  putSecretValue(input: Input): Output {
    // AWS checks the name, then the token, and only then looks the secret up.
    checkSecretId(input.SecretId, 'SecretId');
    const token = requireToken(input);
    const secret = this.#live(input.SecretId);
    const value = readValue(input, true)!;
    const stages = readStages(input.VersionStages) ?? [AWSCURRENT];
    const existing = secret.versions.find((v) => v.versionId === token);
    if (existing && !sameValue(existing, value)) throw existingVersion();
    const version = existing ?? addVersion(secret, value, token, stages, this.#now());
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
    };
  }

  updateSecret(input: Input): Output {
    checkSecretId(input.SecretId, 'SecretId');
    const value = readValue(input, false);
    // The token is needed only when the update makes a new version.
    const token = value ? requireToken(input) : undefined;
    const secret = this.#live(input.SecretId);
    if (typeof input.Description === 'string') {
      if (input.Description === '') delete secret.description;
      else secret.description = input.Description;
    }
    if (typeof input.KmsKeyId === 'string') secret.kmsKeyId = input.KmsKeyId;
    const now = this.#now();
    secret.lastChangedAt = now;
    let versionId: string | undefined;
    if (value && token) {
      const existing = secret.versions.find((v) => v.versionId === token);
      if (existing && !sameValue(existing, value)) throw existingVersion();
      versionId = (existing ?? addVersion(secret, value, token, [AWSCURRENT], now)).versionId;
    }
    return compact({ ARN: secret.arn, Name: secret.name, VersionId: versionId });
  }

  updateSecretVersionStage(input: Input): Output {
    const secret = this.#live(input.SecretId);
    const stage = requireString(input, 'VersionStage');
    moveStage(
      secret,
      stage,
      optionalString(input, 'MoveToVersionId'),
      optionalString(input, 'RemoveFromVersionId'),
    );
    secret.lastChangedAt = this.#now();
    return { ARN: secret.arn, Name: secret.name };
  }

  describeSecret(input: Input): Output {
    return describe(this.#find(input.SecretId), 'VersionIdsToStages');
  }

  listSecrets(input: Input): Output {
    const maxResults = readMaxResults(input.MaxResults, 100, 100);
    const filters = readFilters(input.Filters);
    if (input.SortOrder !== undefined && input.SortOrder !== 'asc' && input.SortOrder !== 'desc')
      throw validation(
        `1 validation error detected: Value '${input.SortOrder}' at 'sortOrder' failed to satisfy constraint`,
      );
    const order = input.SortOrder === 'asc' ? 'asc' : 'desc';
    const candidates = this.#sorted(order).filter(
      (s) => (input.IncludePlannedDeletion === true || s.deletedAt === undefined) && matchesAll(s, filters),
    );
    const { page, nextToken } = paginate(candidates, input.NextToken, maxResults, order);
    return compact({
      SecretList: page.map((s) => describe(s, 'SecretVersionsToStages')),
      NextToken: nextToken,
    });
  }

  listSecretVersionIds(input: Input): Output {
    const secret = this.#find(input.SecretId);
    const maxResults = readMaxResults(input.MaxResults, 100, 100);
    const versions = secret.versions.filter((v) => input.IncludeDeprecated === true || v.stages.length > 0);
    const { page, nextToken } = pageByOffset(versions, input.NextToken, maxResults);
    return compact({
      Versions: page.map((v) =>
        compact({
          VersionId: v.versionId,
          // A deprecated version (no label left) has no VersionStages at all.
          VersionStages: v.stages.length ? [...v.stages] : undefined,
          LastAccessedDate: seconds(v.lastAccessedAt),
          CreatedDate: seconds(v.createdAt),
          KmsKeyIds: ['DefaultEncryptionKey'],
        }),
      ),
      NextToken: nextToken,
      ARN: secret.arn,
      Name: secret.name,
    });
  }

  deleteSecret(input: Input): Output {
    const id = checkSecretId(input.SecretId, 'SecretId');
    const force = input.ForceDeleteWithoutRecovery === true;
    const window = input.RecoveryWindowInDays;
    if (force && window !== undefined)
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    const now = this.#now();
    const secret = this.#lookup(id);
    if (force) {
      // AWS answers a forced delete of a secret it does not have as if it had deleted it.
      if (secret) this.#secrets.delete(secret.name);
      return { ARN: secret?.arn ?? this.#arn(id), Name: secret?.name ?? id, DeletionDate: seconds(now) };
    }
    if (!secret) throw notFound();
    const days = window === undefined ? 30 : window;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30)
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    if (secret.deletedAt !== undefined)
      throw invalidRequest("You tried to perform the operation on a secret that's currently marked deleted.");
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
    const merged = (secret.tags ?? []).map((t) => ({ ...t }));
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
    // Removing every tag leaves an empty list, which DescribeSecret then shows as `"Tags": []`.
    secret.tags = (secret.tags ?? []).filter((t) => !keys.has(t.Key));
    secret.lastChangedAt = this.#now();
    return {};
  }

  /** `canRead` lets the server's access policy deny single secrets, reported in `Errors`. */
  batchGetSecretValue(input: Input, canRead: (name: string) => boolean = () => true): Output {
    const ids = input.SecretIdList;
    if ((ids === undefined) === (input.Filters === undefined))
      throw invalidParameter('Either SecretIdList or Filters must be specified, but not both.');
    if (ids === undefined) return this.#batchByFilters(input, canRead);
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
        if (canRead(secret.name)) values.push(this.getSecretValue({ SecretId: id }));
        else errors.push({ SecretId: id, ErrorCode: 'AccessDeniedException', Message: NOT_READABLE });
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
      }
    }
    return { SecretValues: values, Errors: errors };
  }

  #batchByFilters(input: Input, canRead: (name: string) => boolean): Output {
    const parsed = readFilters(input.Filters);
    const maxResults = readMaxResults(input.MaxResults, 20, 20);
    const candidates = this.#sorted('asc').filter((s) => s.deletedAt === undefined && matchesAll(s, parsed));
    const { page, nextToken } = paginate(candidates, input.NextToken, maxResults, 'asc');
    const values: Output[] = [];
    const errors: Output[] = [];
    for (const secret of page) {
      if (!canRead(secret.name)) {
        errors.push({ SecretId: secret.arn, ErrorCode: 'AccessDeniedException', Message: NOT_READABLE });
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

  /** The secret a SecretId names (ResourceNotFoundException otherwise); `live`: not scheduled for deletion. */
  secret(secretId: unknown, live: boolean): StoredSecret {
    return live ? this.#live(secretId) : this.#find(secretId);
  }

  /** Whether the secret's resource policy explicitly denies the principal the operation. */
  deniedByPolicy(name: string, principalArn: string, operation: string): boolean {
    return deniesExplicitly(this.#secrets.get(name)?.resourcePolicy, principalArn, operation);
  }

  /** The name a SecretId (name, full ARN or partial ARN) refers to, if it exists. */
  nameOf(secretId: unknown): string | undefined {
    return typeof secretId === 'string' ? this.#lookup(secretId)?.name : undefined;
  }

  #arn(name: string): string {
    return `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${randomSuffix()}`;
  }

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

  #lookup(secretId: string): StoredSecret | undefined {
    this.#purgeExpired();
    if (!secretId.startsWith('arn:')) return this.#secrets.get(secretId);
    // A full ARN, or a partial one without the random six-character suffix.
    for (const secret of this.#secrets.values())
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
    return undefined;
  }

  #find(secretId: unknown): StoredSecret {
    const secret = this.#lookup(checkSecretId(secretId, 'SecretId'));
    if (!secret) throw notFound();
    return secret;
  }

  /** A secret that is not scheduled for deletion. */
  #live(secretId: unknown): StoredSecret {
    const secret = this.#find(secretId);
    if (secret.deletedAt !== undefined) throw markedForDeletion();
    return secret;
  }
}
