/** The Secrets Manager data model as the emulator stores it (and writes it to a snapshot). */

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';
/** AWS keeps about this many versions; older ones without staging labels are removed first. */
export const MAX_VERSIONS = 100;
/** The largest SecretString or SecretBinary Secrets Manager accepts, in bytes. */
export const MAX_SECRET_BYTES = 65_536;
export const DAY_MS = 86_400_000;

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
  /** Midnight UTC of the last read: AWS keeps the date, not the time. */
  lastAccessedAt?: number;
}

export interface StoredSecret {
  /** Creation order: the cursor behind NextToken. */
  seq: number;
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  /** Undefined until the secret is created with tags or tagged: AWS then leaves `Tags` out. */
  tags?: Tag[];
  /** Oldest first. */
  versions: StoredVersion[];
  createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number;
  /** When DeleteSecret scheduled the deletion. */
  deletedAt?: number;
  /** When the secret disappears for good. */
  purgeAt?: number;
  /** The resource-based policy (JSON text, as PutResourcePolicy received it). */
  resourcePolicy?: string;
}

export interface SerializedStore {
  seq: number;
  secrets: StoredSecret[];
}

export type SecretValue = { secretString: string } | { secretBinary: string };

export type Input = Record<string, any>;
export type Output = Record<string, unknown>;

export const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** Drops undefined fields, as AWS omits absent members. */
export function compact(value: Output): Output {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** The day (midnight UTC) an instant falls on, as LastAccessedDate reports it. */
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
