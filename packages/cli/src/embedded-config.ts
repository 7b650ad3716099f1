import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { HushConfig } from '@hush/core';

/** The one environment of the embedded default, which serves whatever --env / HUSH_ENV says. */
export const EMBEDDED_ENVIRONMENT = 'default';

/**
 * The configuration used when no file is found: the local store (of the nearest `.hush/` upwards,
 * else the current folder), then the environment's HUSH_SECRET_* variables.
 */
export function embeddedConfig(
  core: Pick<typeof import('@hush/core'), 'parseConfig'>,
  cwd: string,
): HushConfig {
  return core.parseConfig(
    {
      environments: {
        [EMBEDDED_ENVIRONMENT]: {
          providers: [{ kind: 'local' }, { kind: 'env' }],
          defaultWriteProvider: 'local',
        },
      },
    },
    { root: embeddedRoot(cwd) },
  );
}

/** Where the embedded default keeps `.hush/`: the nearest folder upwards that has one, else the cwd. */
function embeddedRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, '.hush');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(cwd);
    dir = parent;
  }
}
