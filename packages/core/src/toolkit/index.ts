export { unwatchAbort, watchAbort } from './abort-watch.js';
export { mapConcurrent } from './concurrency.js';
export { optionNames, refuseUnknownOptions } from './options.js';
export type { RetryOptions } from './retry.js';
export { retry } from './retry.js';
export type { TimeoutOptions } from './timeout.js';
export { withTimeout } from './timeout.js';
export { isTransientError, isTransientStatus, networkCode, TRANSIENT_NETWORK_CODES } from './transient.js';
