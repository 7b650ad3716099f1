import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProviderPlugin } from '@hush/core';
import { describeProviderContract } from '@hush/testkit';

const root = join(import.meta.dirname, '..');

// Loaded the way an application loads it: through `module:`, as a path from the app root.
describeProviderContract('jsonfile (third-party example)', async () => {
  const plugin = await loadProviderPlugin({ kind: 'jsonfile', module: './dist/index.js' }, { root });
  const dir = mkdtempSync(join(tmpdir(), 'hush-jsonfile-'));
  const provider = await plugin.create(
    { path: join(dir, 'secrets.json') },
    { name: 'jsonfile', root: dir, env: {} },
  );
  return { provider };
});
