import { existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OperationEvent, SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditSqlite } from '../src/index.js';
import { tempDir } from './helpers.js';

// `enableAuditLog: true` of core's manager loads this package, as an application has it
// installed: from the application's node_modules, built.
const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));

describe('enableAuditLog: true', () => {
  let app: string;
  let previous: string;
  beforeEach(() => {
    if (!existsSync(join(PACKAGE, 'dist', 'index.js')))
      throw new Error('@hush/audit-sqlite is not built (pnpm build): the manager loads its dist');
    app = tempDir();
    mkdirSync(join(app, 'node_modules', '@hush'), { recursive: true });
    symlinkSync(PACKAGE, join(app, 'node_modules', '@hush', 'audit-sqlite'), 'dir');
    previous = process.cwd();
    process.chdir(app);
  });
  afterEach(() => process.chdir(previous));

  it('records every operation, the first included, in .hush/audit.db with the defaults', async () => {
    const entries: OperationEvent[] = [];
    const manager = new SecretManager({
      providers: [new MemoryProvider({ name: 'local', secrets: { 'api-key-stripe': 'sk_live_planted' } })],
      enableAuditLog: true,
      auditLogCallback: (entry) => {
        entries.push(entry);
      },
    });
    // No initialize() first: the first operation waits for the log.
    expect((await manager.get('api-key-stripe', { accessor: 'payment-plugin' }))?.value).toBe(
      'sk_live_planted',
    );
    await manager.get('no-such-secret', { accessor: 'payment-plugin' });
    await manager.set('api-key-github', 'ghp_planted', { actor: 'admin' });

    const file = join(app, '.hush', 'audit.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const log = await openAuditSqlite({ path: file });
    const rows = await log.query<{
      operation: string;
      secret_name: string;
      success: number;
      outcome: string;
    }>('SELECT operation, secret_name, success, outcome FROM secret_access_log ORDER BY id');
    expect(rows).toEqual([
      { operation: 'get', secret_name: 'api-key-stripe', success: 1, outcome: 'success' },
      { operation: 'get', secret_name: 'no-such-secret', success: 0, outcome: 'not_found' },
      { operation: 'set', secret_name: 'api-key-github', success: 1, outcome: 'success' },
    ]);
    expect(entries.map((e) => e.success)).toEqual([true, false, true]);
    expect((await manager.getMetrics()).plugins.audit).toMatchObject({ entriesWritten: 3 });
    expect(JSON.stringify(await log.query('SELECT * FROM secret_access_log'))).not.toMatch(/planted/);
    await log.close();
    await manager.dispose();
  });
});
