import type { MetadataCache } from './metadata.js';
import type { Counters, Send } from './transport.js';

/** What the provider's operations share: its settings, its metadata cache and its transport. */
export interface AwsSession {
  /** The provider instance's name, for errors and secrets. */
  readonly name: string;
  /** Prepended to every hush name to form the AWS name. */
  readonly prefix: string;
  readonly recoveryWindowDays: number;
  readonly kmsKeyId?: string;
  readonly readTags: boolean | 'cached';
  readonly metadata: MetadataCache;
  readonly counters: Counters;
  readonly send: Send;
}
