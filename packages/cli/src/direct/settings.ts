import {
  type EnvironmentConfig,
  type HushConfig,
  loadConfig,
  parseConfig,
  selectEnvironment,
} from '@hush/core';
import { parsedConfigCacheDir } from '../config-cache-dir.js';
import { EMBEDDED_ENVIRONMENT, embeddedConfig } from '../embedded-config.js';
import { flagIsOn } from '../env-flag.js';

/** The configuration and environment a direct command reads, as the full command would pick them. */
export interface DirectSettings {
  config: HushConfig;
  environment: EnvironmentConfig;
}

/**
 * The project's configuration when a direct command may answer from it: a configuration file
 * (found, or named by HUSH_CONFIG) or the embedded default when there is none, with no section that adds work around a read (audit, access
 * control, a shared cache tier) and no machine output asked for. Undefined sends the command to
 * the full CLI, which also reports any problem with the file.
 */
export async function directSettings(env: NodeJS.ProcessEnv): Promise<DirectSettings | undefined> {
  if (flagIsOn(env.HUSH_NO_DIRECT) || flagIsOn(env.HUSH_JSON)) return undefined;
  const config = await loadConfig({
    ...(env.HUSH_CONFIG ? { file: env.HUSH_CONFIG } : {}),
    cwd: process.cwd(),
    env,
    parsedCacheDir: parsedConfigCacheDir(),
  });
  if (!config) {
    const embedded = embeddedConfig({ parseConfig }, process.cwd());
    return {
      config: embedded,
      environment: selectEnvironment(embedded, EMBEDDED_ENVIRONMENT, env).environment,
    };
  }
  if (config.audit !== undefined || config.accessControl !== undefined || config.cacheTiers?.length)
    return undefined;
  const { environment } = selectEnvironment(config, undefined, env);
  return { config, environment };
}
