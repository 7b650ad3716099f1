import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

// Tests import sibling packages from source so that a change in core is seen without a rebuild.
const aliases = Object.fromEntries(
  readdirSync(join(root, 'packages'))
    .filter((dir) => existsSync(join(root, 'packages', dir, 'src/index.ts')))
    .map((dir) => [`@hush/${dir}`, join(root, 'packages', dir, 'src/index.ts')]),
);

export function defineProject(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      resolve: { alias: aliases },
      test: {
        testTimeout: 30_000,
        hookTimeout: 30_000,
        include: ['test/**/*.test.ts'],
        benchmark: { include: ['bench/**/*.bench.ts'] },
      },
    }),
    overrides,
  );
}
