import type { FaultInjector } from '../faults.js';
import type { TokenAuthority } from './auth.js';
import type { Operation } from './routes.js';
import type { VaultState } from './state.js';
import type { VaultSettings } from './wire.js';

/** What the identity and vault handlers of one emulator share. */
export interface AzureContext {
  authority: TokenAuthority;
  tenantId: string;
  faults: FaultInjector;
  requests: AzureRequestCounters;
  state: VaultState;
  settings: VaultSettings;
  /** The `X-IDENTITY-HEADER` value the managed-identity endpoint accepts (`IDENTITY_HEADER`). */
  identityHeader: string;
  throttleRetryAfter: number;
  /** Injected errors so far (the fault reply varies its wording with it). */
  injectedErrors: number;
  now: () => number;
}

/** Requests the emulator has seen, by kind. */
export interface AzureRequestCounters {
  /** Every request that reached the handler, identity endpoints included. */
  total: number;
  /** Key Vault requests by operation (counted when authenticated and routed). */
  operations: Partial<Record<Operation, number>>;
  /** 401 answers with a bearer challenge. */
  challenges: number;
  /** 403 answers (missing permission or disabled secret). */
  forbidden: number;
  /** Token endpoint calls, and how many issued a token. */
  tokenRequests: number;
  tokensIssued: number;
  /** Requests answered with an injected fault (see also `faults.injected`). */
  faulted: number;
}
