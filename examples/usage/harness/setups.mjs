import fs, { readFile, stat } from 'node:fs/promises';
import { SecretManager } from '@hush/core';
import { EnvSecretProvider } from '@hush/provider-env';
import { LocalSecretProvider } from '@hush/provider-local';
import { SecretAccessControl } from '@hush/rbac';

// What each example expects to find when it runs (the names an earlier example defined, stubs
// for the application's own functions, secrets to read), and what to report afterwards.

const DAY = 24 * 60 * 60 * 1000;

// The Azure SDK and SQLite load only for the examples that use them: each example is a process.
const openAuditSqlite = async (options) => (await import('@hush/audit-sqlite')).openAuditSqlite(options);
const days = (date) => (date ? Math.round((new Date(date).getTime() - Date.now()) / DAY) : null);

/** The chain of the manager example: Azure Key Vault, the local store, the environment. */
async function chain() {
  const { AzureKeyVaultProvider } = await import('@hush/provider-azure');
  return [
    new AzureKeyVaultProvider({ vaultUrl: process.env.HUSH_EXAMPLE_VAULT_URL }),
    new LocalSecretProvider({ storePath: '.hush/secrets.enc.json' }),
    new EnvSecretProvider({ prefix: 'CLAUDE_SECRET_' }),
  ];
}

/** A manager as the manager example builds it, recording the operations it serves. */
async function givenManager() {
  const events = [];
  const manager = new SecretManager({
    providers: await chain(),
    defaultWriteProvider: 'local',
    auditLogCallback: (entry) => {
      events.push({
        operation: entry.operation,
        key: entry.key,
        provider: entry.provider,
        accessor: entry.accessor,
        version: entry.version,
        success: entry.success,
      });
    },
  });
  await manager.initialize();
  globalThis.manager = manager;
  return { manager, events, dispose: () => manager.dispose() };
}

/** Secrets the reading examples find: in Azure, in the local store and in the environment. */
async function withSecrets(manager) {
  const azure = { provider: 'azure', scope: 'global' };
  await manager.set('api-key-stripe', 'sk_live_abc123...', { ...azure, tags: ['production', 'payment'] });
  await manager.set('webhook-secret-stripe', 'whsec_xyz789...', azure);
  for (const value of ['db-password-1', 'db-password-2', 'db-password-3'])
    await manager.set('database-password', value, azure);
  await manager.set('api-key-sendgrid', 'SG.dev...', { ...azure, tags: ['development'] });
  await manager.set('api-key-partner', 'pk_plugin...', { ...azure, scope: 'plugin', tags: ['production'] });
  await manager.set('api-key-stripe', 'sk_test_local...', { provider: 'local', tags: ['production'] });
  await manager.set('api-key-local-only', 'lk...', { provider: 'local', tags: ['production'] });
  for (const value of ['local-db-password-1', 'local-db-password-2'])
    await manager.set('database-password', value, { provider: 'local' });
}

/** Records the calls of an application function the example calls (`sendToSplunk`, ...). */
function stub(name, calls) {
  globalThis[name] = async (entry) => {
    calls.push({ name, entry: JSON.parse(JSON.stringify(entry)) });
  };
}

async function managerWithSecrets() {
  const context = await givenManager();
  await withSecrets(context.manager);
  context.events.length = 0;
  return context;
}

function grantsOf(document) {
  return document.grants.map((g) => `${g.secret}:${g.accessor}:${g.permission}:${g.scope}`).sort();
}

export const examples = {
  'quick-start': {
    async check() {
      const { createSecretManagerFromEnv } = await import('@hush/core');
      const again = await createSecretManagerFromEnv();
      const stored = await again.get('api-key-stripe', { required: true });
      const file = await stat('.hush/secrets.enc.json');
      return {
        value: stored.value,
        version: stored.version,
        tags: stored.tags,
        scope: stored.scope,
        expiresInDays: days(stored.expiresAt),
        fileMode: file.mode & 0o777,
      };
    },
  },

  'local-provider': {
    async check(bindings) {
      await bindings.provider.set('probe', 'written-by-the-example');
      const file = await readFile('.claude/secrets/local.enc.json', 'utf8');
      const reopened = new LocalSecretProvider({
        storePath: '.claude/secrets/local.enc.json',
        masterKey: process.env.CLAUDE_SECRETS_MASTER_KEY,
      });
      return {
        fileMode: (await stat('.claude/secrets/local.enc.json')).mode & 0o777,
        plaintextInFile: file.includes('written-by-the-example'),
        reread: (await reopened.get('probe'))?.value,
      };
    },
  },

  'env-provider': {
    async check(bindings) {
      const secret = await bindings.provider.get('api-key-stripe');
      return {
        value: secret?.value,
        prefixed: (await bindings.provider.get('database-url'))?.value,
        unprefixed: (await bindings.provider.get('redis-url'))?.value ?? null,
        writable: bindings.provider.capabilities.write,
      };
    },
  },

  'azure-provider': {
    async check(bindings) {
      await bindings.provider.set('probe', 'in-the-vault');
      return { reread: (await bindings.provider.get('probe'))?.value, name: bindings.provider.name };
    },
  },

  'secret-manager': {
    async check(bindings) {
      const health = await bindings.manager.healthCheck();
      await bindings.manager.set('probe', 'audited', { actor: 'example' });
      await bindings.manager.dispose();
      const log = await openAuditSqlite({ path: '.hush/audit.db' });
      const rows = await log.query(
        'SELECT operation, secret_name, accessor, provider FROM secret_access_log',
      );
      await log.close();
      return {
        providers: health.providers.map((p) => [p.name, p.status]),
        status: health.status,
        defaultWriteProvider: bindings.manager.defaultWriteProvider,
        auditRows: rows,
      };
    },
  },

  'get-secret': {
    prepare: managerWithSecrets,
    check: ({ secret }, { events }) => ({
      value: secret?.value,
      provider: secret?.provider,
      events,
    }),
  },

  'get-secret-with-options': {
    prepare: managerWithSecrets,
    check: ({ secret }, { events }) => ({
      value: secret.value,
      name: secret.name,
      provider: secret.provider,
      events,
    }),
  },

  'set-secret': {
    prepare: managerWithSecrets,
    async check(_bindings, { manager, events }) {
      const written = await manager.get('api-key-github', { required: true, provider: 'local' });
      return {
        value: written.value,
        provider: written.provider,
        scope: written.scope,
        tags: written.tags,
        expiresInDays: days(written.expiresAt),
        events,
      };
    },
  },

  'rotate-secret': {
    prepare: managerWithSecrets,
    async check(_bindings, { manager, events }) {
      // Rotation writes where writes go: the default write provider.
      const current = await manager.get('database-password', { required: true, provider: 'local' });
      const versions = await manager.getSecretVersions('database-password', { provider: current.provider });
      const previous = await manager.get('database-password', {
        required: true,
        provider: current.provider,
        version: versions.length - 1,
      });
      return {
        value: current.value,
        provider: current.provider,
        versions: versions.length,
        previous: previous.value,
        previousExpired: previous.expiresAt !== undefined && previous.expiresAt.getTime() <= Date.now(),
        events,
      };
    },
  },

  'list-secrets': {
    prepare: managerWithSecrets,
    check: ({ secrets }) => ({
      entries: secrets.map((s) => ({ name: s.name, provider: s.provider, tags: s.tags, scope: s.scope })),
      hasValue: secrets.some((s) => 'value' in s),
    }),
  },

  'template-substitution': {
    prepare: managerWithSecrets,
    check: ({ resolved }, { events }) => ({
      resolved,
      accessors: [...new Set(events.map((e) => e.accessor))],
    }),
  },

  'access-control': {
    async check({ accessControl }) {
      return {
        afterRevoke: grantsOf(accessControl.exportPermissions()),
        stillAllowed: await accessControl.hasPermission('api-key-stripe', 'payment-plugin', 'read', 'plugin'),
        writeAllowed: await accessControl.hasPermission(
          'api-key-stripe',
          'payment-plugin',
          'write',
          'plugin',
        ),
      };
    },
  },

  'rotation-check': {
    async prepare() {
      const context = await givenManager();
      // The harness's clock: the example's daily check runs once, at once.
      const ticks = [];
      const realSetInterval = globalThis.setInterval;
      globalThis.setInterval = (callback, ms) => {
        ticks.push({ ms, done: Promise.resolve().then(callback) });
        return realSetInterval(() => undefined, ms).unref();
      };
      return { ...context, ticks };
    },
    async check(_bindings, { ticks }) {
      await Promise.all(ticks.map((t) => t.done));
      return { intervals: ticks.map((t) => t.ms) };
    },
  },

  'least-privilege': {
    async prepare() {
      globalThis.accessControl = new SecretAccessControl({ enforceAccessControl: true });
      return {};
    },
    check: ({ permissions }) => ({
      all: globalThis.accessControl.exportPermissions().grants.map((g) => ({
        secret: g.secret,
        accessor: g.accessor,
        scope: g.scope,
        expiresInDays: days(g.expiresAt),
      })),
      permissions: permissions.map((p) => ({
        secret: p.secret,
        accessor: p.accessor,
        permission: p.permission,
        scope: p.scope,
        expires: p.expiresAt !== undefined && p.expiresAt !== null,
      })),
    }),
  },

  'audit-logging': {
    async prepare() {
      const calls = [];
      stub('sendToSplunk', calls);
      stub('alertSecurityTeam', calls);
      globalThis.SecretManager = SecretManager;
      globalThis.db = await openAuditSqlite({ path: '.hush/audit.db' });
      globalThis.localStore = new LocalSecretProvider({ storePath: '.hush/secrets.enc.json' });
      return { calls, dispose: () => globalThis.db.close() };
    },
    async check({ manager, failedAttempts }, { calls }) {
      await manager.set('api-key-stripe', 'sk_live_abc123...', { actor: 'admin' });
      await manager.get('api-key-stripe', { accessor: 'payment-plugin' });
      await manager.get('no-such-secret', { accessor: 'prober' });
      await manager.get('no-such-secret', { required: true, accessor: 'prober' }).catch(() => undefined);
      await manager.dispose();
      const rows = await globalThis.db.query(
        `SELECT operation, secret_name, accessor, success FROM secret_access_log ORDER BY id`,
      );
      const failures = await globalThis.db.query(`
  SELECT * FROM secret_access_log
  WHERE success = 0
  AND timestamp >= datetime('now', '-24 hours')
  ORDER BY timestamp DESC
`);
      return {
        failedAttemptsAtStart: failedAttempts,
        calls: calls.map((c) => [c.name, c.entry.operation, c.entry.key, c.entry.success]),
        rows,
        failuresNow: failures.map((r) => [r.secret_name, r.accessor]),
      };
    },
  },

  'backup-and-recovery': {
    async prepare() {
      const context = await managerWithSecrets();
      globalThis.fs = fs;
      const accessControl = new SecretAccessControl({ enforceAccessControl: true });
      await accessControl.grant('api-key-stripe', 'payment-plugin', 'read', { scope: 'plugin' });
      await accessControl.grant('api-key-*', 'api-consumer', 'read');
      await accessControl.grant('database-password', 'db-plugin', 'read', {
        scope: 'plugin',
        expiresAt: '30d',
      });
      globalThis.accessControl = accessControl;
      return { ...context, before: grantsOf(accessControl.exportPermissions()) };
    },
    async check(_bindings, { before }) {
      const metadata = JSON.parse(await readFile('secrets-metadata-backup.json', 'utf8'));
      const permissions = JSON.parse(await readFile('permissions-backup.json', 'utf8'));
      const restored = new SecretAccessControl({ enforceAccessControl: true });
      await restored.importPermissions(permissions);
      return {
        before,
        afterRestore: grantsOf(globalThis.accessControl.exportPermissions()),
        inBackupFile: grantsOf(permissions),
        restoredElsewhere: grantsOf(restored.exportPermissions()),
        metadataNames: metadata.map((m) => m.name),
        metadataHasValues: JSON.stringify(metadata).includes('sk_live_abc123'),
      };
    },
  },

  'monitoring-queries': {
    async prepare() {
      // Activity for the queries: two secrets written 120 and 100 days ago (the manager's clock),
      // three with expiries, a rotation, six failed reads by one accessor and five by another.
      const path = '.hush/audit.db';
      const provider = new LocalSecretProvider({ storePath: '.hush/secrets.enc.json' });
      for (const [key, daysAgo] of [
        ['legacy-token', 120],
        ['old-api-key', 100],
      ]) {
        const then = new SecretManager({
          providers: [provider],
          plugins: [await openAuditSqlite({ path })],
          now: () => Date.now() - daysAgo * DAY,
        });
        await then.set(key, `value-of-${key}`);
        await then.dispose();
      }
      const log = await openAuditSqlite({ path });
      const manager = new SecretManager({ providers: [provider], plugins: [log] });
      await manager.set('api-key-stripe', 'sk_live_abc123...', { expiresAt: '7d' });
      await manager.set('webhook-secret-stripe', 'whsec_xyz789...', { expiresAt: '20d' });
      await manager.set('database-password', 'secret123', { expiresAt: '90d' });
      await manager.rotate('old-api-key', { newValue: 'rotated' });
      for (let i = 0; i < 6; i++) await manager.get('no-such-secret', { accessor: 'prober' });
      for (let i = 0; i < 5; i++) await manager.get('no-such-secret', { accessor: 'typo-once' });
      return { log, dispose: () => manager.dispose() };
    },
    async run({ log }) {
      const text = await readFile(new URL('../snippets/monitoring-queries.sql', import.meta.url), 'utf8');
      // The example's `//` lines name each query; SQLite takes the rest as it is.
      const results = [];
      let title;
      for (const chunk of text.split(';')) {
        const lines = chunk.split('\n').filter((line) => line.trim() !== '');
        const comment = lines.find((line) => line.startsWith('//'));
        if (comment) title = comment.slice(2).trim();
        const sql = lines.filter((line) => !line.startsWith('//')).join('\n');
        if (sql) results.push({ title, rows: await log.query(sql) });
      }
      return { results };
    },
    check: ({ results }) => ({
      queries: results.map((r) => r.title),
      accessCount: results[0].rows.reduce((sum, row) => sum + row.access_count, 0),
      failedAttempts: results[1].rows,
      expiringSoon: results[2].rows.map((row) => [row.name, Math.ceil(row.days_until_expiry)]),
      neverRotated: results[3].rows.map((row) => [row.name, Math.round(row.days_since_update)]),
    }),
  },

  'vault-kv': {
    check: ({ api_key }) => ({ api_key }),
  },

  'vault-policies-and-approle': {
    check: ({ openaiKey, apiKeyWrite }) => ({ openaiKey, apiKeyWrite }),
  },

  'aws-secrets-manager': {
    check: ({ secret, response }) => ({ secret, versionStages: response.VersionStages, name: response.Name }),
  },

  alerts: {
    async prepare() {
      const calls = [];
      globalThis.sendAlert = async (alert) => {
        calls.push(alert);
      };
      // The values the monitoring queries give, as an application passes them on.
      Object.assign(globalThis, {
        failedAttempts: 6,
        accessor: 'prober',
        daysUntilExpiry: 3,
        name: 'api-key-stripe',
      });
      return { calls };
    },
    check: (_bindings, { calls }) => ({ alerts: calls }),
  },
};
