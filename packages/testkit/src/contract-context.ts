import type { SecretInfo, SecretProvider } from '@hush/core';

/** What each part of the contract suite shares: the provider under test (once `beforeAll` ran) and its helpers. */
export interface ContractContext {
  readonly provider: SecretProvider;
  readonly subject: ProviderUnderTest;
  /** A name under the suite's prefix. */
  key(suffix: string): string;
  /** Writes through the provider, or plants through `seed` when it is read-only. */
  put(key: string, value: string): Promise<SecretInfo | undefined>;
  /** The current value, undefined when there is none. */
  value(key: string): Promise<string | undefined>;
  /** Names to delete after the suite. */
  readonly created: Set<string>;
  readonly timeout: number;
  readonly largeValueBytes: number;
  readonly listCount: number;
  readonly concurrentWrites: number;
}

/** What a factory hands the suite. */
export interface ProviderUnderTest {
  provider: SecretProvider;
  /** Plants values; required for read-only providers, which cannot be written through. */
  seed?: (entries: Record<string, string>) => Promise<void> | void;
  cleanup?: () => Promise<void>;
}
