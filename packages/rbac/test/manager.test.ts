import { AccessDeniedError, SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { SecretAccessControl } from '../src/index.js';

const VALUES = {
  'api-key-stripe': 'sk_PLANTED_stripe_1',
  'api-key-github': 'ghp_PLANTED_2',
  'db-password': 'PLANTED-db-3',
};

async function setup() {
  const provider = new MemoryProvider({ secrets: VALUES });
  const control = new SecretAccessControl();
  const manager = new SecretManager({ providers: [provider], plugins: [control.plugin()] });
  await manager.initialize();
  return { provider, control, manager };
}

async function denial(promise: Promise<unknown>): Promise<AccessDeniedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccessDeniedError);
  return error as AccessDeniedError;
}

describe('access control through a SecretManager', () => {
  it('denies an unknown accessor before any provider call, with the same message for existing and missing secrets', async () => {
    const { provider, manager } = await setup();
    const calls = JSON.stringify(provider.calls);
    const existing = await denial(manager.getSecret('db-password', { accessor: 'stranger' }));
    const missing = await denial(manager.getSecret('db-nothing', { accessor: 'stranger' }));
    expect(existing.code).toBe('ACCESS_DENIED');
    expect(existing.message.replace('db-password', 'NAME')).toBe(
      missing.message.replace('db-nothing', 'NAME'),
    );
    expect(JSON.stringify(provider.calls)).toBe(calls);
    for (const value of Object.values(VALUES)) expect(existing.message).not.toContain(value);
  });

  it('needs read for reads, write for set, delete for delete, rotate for rotate and rollback', async () => {
    const { control, manager } = await setup();
    await control.grant('db-password', 'app', 'read');
    expect((await manager.getSecret('db-password', { accessor: 'app' }))?.value).toBe(VALUES['db-password']);
    await manager.getSecretVersions('db-password', { accessor: 'app' });
    await denial(manager.setSecret('db-password', 'new', { actor: 'app' }));
    await denial(manager.rotateSecret('db-password', { actor: 'app' }));
    await denial(manager.deleteSecret('db-password', { actor: 'app' }));

    await control.grant('db-password', 'ops', 'write');
    await control.grant('db-password', 'ops', 'rotate');
    await manager.setSecret('db-password', 'second', { actor: 'ops' });
    await manager.rotateSecret('db-password', { actor: 'ops', newValue: 'third' });
    await manager.rollbackSecret('db-password', 1, { actor: 'ops' });
    await denial(manager.deleteSecret('db-password', { actor: 'ops' }));
    await control.grant('db-password', 'janitor', 'delete');
    await manager.deleteSecret('db-password', { actor: 'janitor' });
  });

  it('checks every key of a batch read and every reference of a template', async () => {
    const { control, manager } = await setup();
    await control.grant('api-key-*', 'consumer', 'read');
    const batch = await manager.getSecrets(['api-key-stripe', 'api-key-github'], { accessor: 'consumer' });
    expect(batch.get('api-key-github')?.value).toBe(VALUES['api-key-github']);
    await denial(manager.getSecrets(['api-key-stripe', 'db-password'], { accessor: 'consumer' }));
    expect(await manager.resolve('key=${secret:api-key-stripe}', { accessor: 'consumer' })).toBe(
      `key=${VALUES['api-key-stripe']}`,
    );
    await expect(
      manager.resolve({ db: '${secret:db-password}' }, { accessor: 'consumer' }),
    ).rejects.toThrow();
  });

  it('lists only the names the accessor may read', async () => {
    const { control, manager } = await setup();
    await control.grant('api-key-*', 'consumer', 'read');
    await control.grant('db-password', 'consumer', 'write');
    expect((await manager.listSecrets({ accessor: 'consumer' })).map((s) => s.key)).toEqual([
      'api-key-github',
      'api-key-stripe',
    ]);
    expect(await manager.listSecrets({ accessor: 'stranger' })).toEqual([]);
  });

  it('applies scope isolation to requests', async () => {
    const { control, manager } = await setup();
    await control.grant('api-key-stripe', 'payments', 'read', { scope: 'plugin' });
    expect(
      await manager.getSecret('api-key-stripe', { accessor: 'payments', scope: 'plugin' }),
    ).not.toBeNull();
    await denial(manager.getSecret('api-key-stripe', { accessor: 'payments', scope: 'agent' }));
    await denial(manager.getSecret('api-key-stripe', { accessor: 'payments' }));
  });

  it('honours expiry between two reads and reports counts in manager metrics', async () => {
    let now = Date.now();
    const control = new SecretAccessControl({ now: () => new Date(now) });
    const manager = new SecretManager({
      providers: [new MemoryProvider({ secrets: VALUES })],
      plugins: [control.plugin()],
      cache: { enabled: false },
    });
    await control.grant('db-password', 'temp', 'read', { expiresAt: '1h' });
    expect(await manager.getSecret('db-password', { accessor: 'temp' })).not.toBeNull();
    now += 2 * 3_600_000;
    await denial(manager.getSecret('db-password', { accessor: 'temp' }));
    expect((await manager.getMetrics()).plugins.rbac).toMatchObject({ allowed: 1, denied: 1 });
  });
});
