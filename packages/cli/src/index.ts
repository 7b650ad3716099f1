/**
 * `@hush/cli` is used as the `hush` command. The package also exports its exit codes and the
 * error-to-exit-code mapping, for scripts and wrappers that call `hush` and read its status.
 */
export { EXIT, exitCodeFor } from './errors.js';
