import type { SecretClient } from '@azure/keyvault-secrets';
import type { NameMapping } from './mapping.js';

/** The SDK's per-call options: the timeout and the caller's abort signal. */
export interface RequestOptions {
  requestOptions?: { timeout: number };
  abortSignal?: AbortSignal;
}

/** What the provider's operations share: the client, its settings and the error mapper. */
export interface AzureSession {
  /** The provider instance's name, for errors and secrets. */
  readonly name: string;
  readonly client: SecretClient;
  readonly mapping: NameMapping;
  readonly onDeletedConflict: 'error' | 'recover' | 'purge';
  /** Checks a hush name and maps it to the vault's. */
  vaultName(key: string): string;
  /** The typed hush error for an SDK failure of `operation`. */
  fail(error: unknown, operation: string, key?: string): Error;
  requestOptions(signal: AbortSignal | undefined): RequestOptions;
  /** Request options plus the delete/recover pollers' interval. */
  pollerOptions(signal: AbortSignal | undefined): RequestOptions & { intervalInMs: number };
}
