import { defineProviderPlugin, type ProviderContext } from '@hush/core';
import type { LocalProviderOptions } from './options.js';
import { LocalSecretProvider } from './provider.js';

export { listBackups } from './backup.js';
export type { Pbkdf2Cost, ScryptCost } from './crypto.js';
export { DEFAULT_PBKDF2, DEFAULT_SCRYPT, KDF_LIMITS, MIN_PBKDF2_ITERATIONS } from './crypto.js';
export { generateMasterKey, parseMasterKey, readKeyFile, writeKeyFile } from './keys.js';
export type { ListingColumns } from './listing.js';
export type { ListingSpans } from './listing-spans.js';
export type { BulkEntry, LocalProviderOptions, NewKey, ResealResult } from './options.js';
export { isLocalSecretProvider, LocalSecretProvider } from './provider.js';
export { pendingKeyFile, withRekeyLock } from './rekey-lock.js';

/** `kind: local`. Relative paths resolve from the application root; `HUSH_MASTER_KEY` is read from the context's env. */
export default defineProviderPlugin<LocalProviderOptions>({
  kind: 'local',
  create(options: LocalProviderOptions, context: ProviderContext) {
    return new LocalSecretProvider({
      root: context.root,
      env: context.env,
      ...options,
      name: options.name ?? context.name,
    });
  },
});
