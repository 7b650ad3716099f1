import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryProvider } from '@hush/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type OperationEvent,
  SecretManager,
  type SecretManagerOptions,
  ValidationError,
} from '../src/index.js';

// The names a user of other secret managers reads and writes: `secret.name`, `metadata.version`,
// `entry.success`, provider aliases, and options this manager does not take.

/** A provider that also answers to other names, as the Azure provider does to `azure-kv`. */
class AliasedProvider extends MemoryProvider {
  constructor(
    name: string,
    readonly aliases: readonly string[],
  ) {
    super({ name });
  }
}

describe('names a user reads', () => {
  it('a secret has name (its key) and metadata.version (its version), neither of which is metadata', async () => {
    const local = new MemoryProvider({ name: 'local' });
    const manager = new SecretManager({ providers: [local] });
    await manager.set('api-key-stripe', 'sk_live_planted', { metadata: { owner: 'payments' } });
    await manager.set('api-key-stripe', 'sk_live_planted_2');
    const secret = await manager.get('api-key-stripe', { required: true });
    expect(secret.name).toBe('api-key-stripe');
    expect(secret.metadata.version).toBe(secret.version);
    expect(secret.metadata.version).toBe('2');
    expect(Object.keys(secret.metadata)).toEqual(['owner']);
    expect(JSON.parse(JSON.stringify(secret.metadata))).toEqual({ owner: 'payments' });
    expect(secret.toInfo().metadata.version).toBe('2');
    expect(secret.toInfo().name).toBe('api-key-stripe');

    // Writing metadata read from a secret does not turn the version into metadata.
    await manager.set('copy', 'x', { metadata: { ...secret.metadata } });
    expect(Object.keys((await manager.get('copy', { required: true })).metadata)).toEqual(['owner']);
  });

  it('metadata of its own named version wins', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider({ name: 'local' })] });
    await manager.set('schema', 'x', { metadata: { version: 'v7-schema' } });
    const secret = await manager.get('schema', { required: true });
    expect(secret.metadata.version).toBe('v7-schema');
    expect(secret.version).toBe('1');
  });

  it('every listed entry and every write result has name and a readable metadata.version', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider({ name: 'local' })] });
    const written = await manager.set('api-key-github', 'ghp_planted');
    expect(written.name).toBe('api-key-github');
    const rotated = await manager.rotate('api-key-github', { newValue: 'ghp_planted_2' });
    expect([rotated.name, rotated.metadata.version]).toEqual(['api-key-github', '2']);
    await manager.set('database-password', 'pw_planted');
    const listed = await manager.list();
    expect(listed.map((entry) => [entry.name, entry.key, entry.metadata.version])).toEqual([
      ['api-key-github', 'api-key-github', '2'],
      ['database-password', 'database-password', '1'],
    ]);
    expect(`Secret ${listed[0]!.name} needs rotation`).toBe('Secret api-key-github needs rotation');
  });

  it('a listed entry is a copy in the provider order of fields; a __proto__ metadata key stays a key', async () => {
    const provider = new MemoryProvider({ name: 'local' });
    const metadata = JSON.parse('{"__proto__":{"polluted":"yes"},"owner":"ops"}');
    const listed = {
      key: 'k',
      version: '3',
      createdAt: new Date(0),
      updatedAt: new Date(1),
      metadata,
      tags: { a: 'b' },
      provider: 'local',
      scope: 'plugin',
    };
    provider.list = async () => [listed];
    const manager = new SecretManager({ providers: [provider] });
    const [entry] = await manager.list();
    expect(Object.keys(entry!)).toEqual([...Object.keys(listed), 'name']);
    expect(Object.keys(entry!.metadata)).toEqual(['__proto__', 'owner']);
    expect(Object.getPrototypeOf(entry!.metadata)).toBe(Object.prototype);
    expect((entry!.metadata as Record<string, unknown>).polluted).toBeUndefined();
    expect(entry!.metadata.version).toBe('3');
    // A copy: changing the entry's metadata changes nothing the provider holds.
    entry!.metadata.owner = 'changed';
    expect([listed.metadata.owner, 'version' in listed.metadata]).toEqual(['ops', false]);
  });

  it('an audit entry says success: true only for a success', async () => {
    const events: OperationEvent[] = [];
    const local = new MemoryProvider({ name: 'local' });
    const manager = new SecretManager({
      providers: [local],
      auditLogCallback: (entry) => {
        events.push(entry);
      },
    });
    await manager.set('present', 'v');
    await manager.get('present');
    await manager.get('absent');
    local.faults = { outage: true };
    await manager.get('present', { fresh: true }).catch(() => undefined);
    expect(events.map((e) => [e.operation, e.outcome, e.success])).toEqual([
      ['set', 'success', true],
      ['get', 'success', true],
      ['get', 'not_found', false],
      ['get', 'error', false],
    ]);
  });
});

describe('event time', () => {
  it("events are stamped with the manager's clock", async () => {
    const stamps: Date[] = [];
    const at = Date.parse('2026-03-01T08:00:00.000Z');
    const manager = new SecretManager({
      providers: [new MemoryProvider({ name: 'local' })],
      now: () => at,
      auditLogCallback: (e) => {
        stamps.push(e.timestamp);
      },
    });
    await manager.set('k', 'v');
    await manager.get('k');
    await manager.get('k');
    expect(stamps.map((d) => d.toISOString())).toEqual(Array(3).fill('2026-03-01T08:00:00.000Z'));
  });
});

describe('provider aliases', () => {
  const azure = () => new AliasedProvider('azure', ['azure-kv', 'azure-keyvault']);

  it('pin, list and write by an alias; the provider is reported by its own name', async () => {
    const kv = azure();
    const local = new MemoryProvider({ name: 'local' });
    kv.seed({ 'database-password': 'from-azure', 'api-key-stripe': 'sk' });
    local.seed({ 'database-password': 'from-local' });
    const events: OperationEvent[] = [];
    const manager = new SecretManager({
      providers: [local, kv],
      defaultWriteProvider: 'azure-keyvault',
      auditLogCallback: (e) => {
        events.push(e);
      },
    });
    expect(manager.defaultWriteProvider).toBe('azure');
    const pinned = await manager.get('database-password', { required: true, provider: 'azure-kv' });
    expect([pinned.value, pinned.provider]).toEqual(['from-azure', 'azure']);
    expect((await manager.list({ provider: 'azure-keyvault' })).map((s) => s.name)).toEqual([
      'api-key-stripe',
      'database-password',
    ]);
    expect((await manager.set('new', 'v')).provider).toBe('azure');
    expect(events.map((e) => e.provider)).toEqual(['azure', 'azure', 'azure']);
    const batch = await manager.getSecrets(['database-password'], { provider: 'azure-kv' });
    expect(batch.get('database-password')?.value).toBe('from-azure');
  });

  it("a provider's own name wins over another's alias", async () => {
    const kv = azure();
    const named = new MemoryProvider({ name: 'azure-kv' });
    named.seed({ k: 'from-the-named-one' });
    kv.seed({ k: 'from-azure' });
    const manager = new SecretManager({ providers: [kv, named] });
    expect((await manager.get('k', { required: true, provider: 'azure-kv' })).value).toBe(
      'from-the-named-one',
    );
  });

  it('an alias two providers claim names neither', async () => {
    const manager = new SecretManager({
      providers: [azure(), new AliasedProvider('azure-dr', ['azure-kv'])],
    });
    await expect(manager.get('k', { provider: 'azure-kv' })).rejects.toThrow(
      /'azure-kv' is ambiguous: it is another name of 'azure' and 'azure-dr'/,
    );
    expect(await manager.get('k', { provider: 'azure-keyvault' })).toBeNull();
  });
});

describe('manager options', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
  });
  const providers = () => [new MemoryProvider({ name: 'local' })];
  const build = (extra: Record<string, unknown>) =>
    new SecretManager({ providers: providers(), ...extra } as SecretManagerOptions);

  it('an unknown option is a ConfigError that names it and the nearest known one', () => {
    const error = (() => {
      try {
        build({ enableAuditLogs: true });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "enableAuditLogs: unknown option 'enableAuditLogs' (did you mean 'enableAuditLog'?)",
    );
    expect((error as ConfigError).hint).toMatch(/providers, defaultWriteProvider, cache/);
    expect(() => build({ cache: { ttl: '1m', maxEntries: 10 } })).toThrow(
      "cache.maxEntries: unknown option 'maxEntries'",
    );
    expect(() => build({ masking: { max: 1 } })).toThrow("masking.max: unknown option 'max'");
    expect(() => build({ leases: { fraction: 0.5 } as never })).toThrow(
      "leases.fraction: unknown option 'fraction'",
    );
    expect(() => build({ leases: { renewFraction: 0.5 } })).not.toThrow();
    expect(
      () =>
        new SecretManager({
          providers: [{ provider: providers()[0]!, priority: 1, weight: 2 } as never],
        }),
    ).toThrow("providers[0].weight: unknown option 'weight'");
    expect(() => build({ enableAuditLog: 'yes' })).toThrow('enableAuditLog: expected true or false');
  });

  it("another manager's names are refused with what to write instead", () => {
    expect(() => build({ caching: { enabled: true, ttl: 300, maxSize: 100 } })).toThrow(
      /'caching' is not an option of the secret manager: use cache: \{ enabled, ttl: '300s', maxSize \}/,
    );
    expect(() => build({ provider: 'vault' })).toThrow(/the manager takes a list: providers: \[/);
    expect(() => build({ connectionString: 'http://127.0.0.1:8200' })).toThrow(/its own address/);
  });

  it("'encryption', which is always on, is warned about once and ignored", async () => {
    process.on('warning', onWarning);
    const first = build({ encryption: { enabled: true, algorithm: 'aes-256-gcm' } });
    build({ encryption: { enabled: true } });
    await new Promise((resolve) => setImmediate(resolve));
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'HUSH_UNSUPPORTED_OPTION');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toMatch(/'encryption' is not supported: hush always encrypts at rest/);
    expect(ours[0]!.message).toMatch(/masterKey or passphrase/);
    await first.set('k', 'v');
    expect((await first.get('k'))?.value).toBe('v');
  });

  it('enableAuditLog: true without @hush/audit-sqlite installed fails at construction, naming the package', () => {
    const previous = process.cwd();
    const argv = process.argv[1];
    process.chdir(mkdtempSync(join(tmpdir(), 'hush-no-audit-')));
    process.argv[1] = join(process.cwd(), 'app.js');
    try {
      expect(() => build({ enableAuditLog: true })).toThrow(
        'enableAuditLog: enableAuditLog: true needs @hush/audit-sqlite, which is not installed',
      );
      try {
        build({ enableAuditLog: true });
      } catch (error) {
        expect((error as ConfigError).hint).toMatch(/npm install @hush\/audit-sqlite/);
      }
      // Off is off: nothing is looked for.
      expect(() => build({ enableAuditLog: false })).not.toThrow();
    } finally {
      process.chdir(previous);
      process.argv[1] = argv!;
    }
  });
});

describe('call options', () => {
  const manager = () => {
    const local = new MemoryProvider({ name: 'local' });
    local.seed({ 'api-key-stripe': 'sk_live_planted' });
    return new SecretManager({ providers: [local] });
  };

  it('an option a call does not know is a ValidationError naming it and the nearest known one', async () => {
    const m = manager();
    const cases: Array<[Promise<unknown>, string]> = [
      [
        m.get('api-key-stripe', { requird: true } as never),
        "getSecret: unknown option 'requird' (did you mean 'required'?)",
      ],
      [
        m.list({ patern: 'api-*' } as never),
        "listSecrets: unknown option 'patern' (did you mean 'pattern'?)",
      ],
      [
        m.set('k', 'v', { expiresIn: '3d' } as never),
        "setSecret: unknown option 'expiresIn' (did you mean 'expiresAt'?)",
      ],
      [
        m.rotate('api-key-stripe', { newValue: 'x', expireOld: true } as never),
        "rotateSecret: unknown option 'expireOld'",
      ],
      [m.deleteSecret('api-key-stripe', { force: true } as never), "deleteSecret: unknown option 'force'"],
      [m.getSecrets(['api-key-stripe'], { version: 2 } as never), "getSecrets: unknown option 'version'"],
      [
        m.getSecretVersions('api-key-stripe', { limit: 2 } as never),
        "getSecretVersions: unknown option 'limit'",
      ],
      [
        m.getSecretVersion('api-key-stripe', 1, { fresh: true } as never),
        "getSecretVersion: unknown option 'fresh'",
      ],
      [
        m.rollbackSecret('api-key-stripe', 1, { reason: 'x' } as never),
        "rollbackSecret: unknown option 'reason'",
      ],
      [
        m.substituteSecrets({ a: '${secret:api-key-stripe}' }, { acessor: 'app' } as never),
        "resolve: unknown option 'acessor' (did you mean 'accessor'?)",
      ],
    ];
    for (const [call, message] of cases) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, message).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('planted');
    }
    // Nothing was written, rotated or deleted.
    expect((await m.get('api-key-stripe', { required: true })).value).toBe('sk_live_planted');
    expect(await m.get('k')).toBeNull();
  });

  it('a cached read with an unknown option is refused too', async () => {
    const m = manager();
    await m.get('api-key-stripe');
    await expect(m.get('api-key-stripe', { fersh: true } as never)).rejects.toThrow(
      "getSecret: unknown option 'fersh' (did you mean 'fresh'?)",
    );
  });

  it('options set to undefined count as absent', async () => {
    const m = manager();
    expect((await m.get('api-key-stripe', { provider: undefined, bogus: undefined } as never))?.value).toBe(
      'sk_live_planted',
    );
  });
});

describe('list options', () => {
  it('fresh is taken by a list, which is never cached: a write between two lists shows', async () => {
    const local = new MemoryProvider({ name: 'local' });
    const m = new SecretManager({ providers: [local] });
    expect(await m.list({ fresh: true })).toEqual([]);
    local.seed({ 'written-behind-the-manager': 'v' });
    expect((await m.list({ fresh: true, prefix: 'written' })).map((s) => s.name)).toEqual([
      'written-behind-the-manager',
    ]);
  });
});
