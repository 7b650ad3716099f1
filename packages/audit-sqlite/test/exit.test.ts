import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const built = new URL('../dist/index.js', import.meta.url).pathname;
if (!existsSync(built))
  console.log('process-exit test skipped: run `pnpm build` first (the child process loads dist/)');

describe.skipIf(!existsSync(built))('process exit', () => {
  it('fail-open entries still buffered when a process ends without dispose() are written', () => {
    const dir = tempDir();
    const path = join(dir, 'exit.db');
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `import { openAuditSqlite } from ${JSON.stringify(built)};
       const log = await openAuditSqlite({ path: ${JSON.stringify(path)}, failMode: 'open', flushIntervalMs: 60000 });
       for (let i = 0; i < 42; i++) log.after({ requestId: 'r' + i, operation: 'get', key: 'k', outcome: 'success', durationMs: 1, timestamp: new Date() });
       // no flush, no close: the process simply ends`,
    );
    execFileSync(process.execPath, [script], { stdio: 'pipe' });
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM secret_access_log').pluck().get()).toBe(42);
    raw.close();
  });
});
