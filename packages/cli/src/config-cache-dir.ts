import { isAbsolute, join } from 'node:path';

/**
 * Where parsed YAML configurations are kept (by the hash of their text) so that a command needs
 * no YAML parser: `$XDG_CACHE_HOME/hush/config`, else `~/.cache/hush/config`.
 */
export function parsedConfigCacheDir(): string {
  const env = process.env;
  const base =
    env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : join(env.HOME || process.getBuiltinModule('node:os').homedir(), '.cache');
  return join(base, 'hush', 'config');
}
