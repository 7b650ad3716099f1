import { AccessDeniedError, type OperationContext, type SecretInfo } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { accessControlPlugin, SecretAccessControl } from '../src/index.js';

function context(
  operation: OperationContext['operation'],
  key?: string,
  accessor?: string,
  scope?: string,
): OperationContext {
  return { requestId: 'req-1', operation, key, accessor, scope };
}

function info(key: string): SecretInfo {
  return {
    key,
    version: '1',
    createdAt: new Date(),
    updatedAt: new Date(),
    metadata: {},
    tags: {},
    provider: 'memory',
  };
}

describe('accessControlPlugin hooks', () => {
  it('maps each operation to its permission', async () => {
    const control = new SecretAccessControl();
    const plugin = accessControlPlugin(control);
    const cases = [
      ['get', 'read'],
      ['getMany', 'read'],
      ['getVersion', 'read'],
      ['listVersions', 'read'],
      ['resolve', 'read'],
      ['set', 'write'],
      ['delete', 'delete'],
      ['rotate', 'rotate'],
      ['rollback', 'rotate'],
    ] as const;
    for (const [operation, permission] of cases) {
      const accessor = `only-${permission}`;
      await control.grant('k', accessor, permission);
      await expect(plugin.before!(context(operation, 'k', accessor))).resolves.toBeUndefined();
      const other = permission === 'read' ? 'only-write' : 'only-read';
      await control.grant('k', other, other === 'only-write' ? 'write' : 'read');
      await expect(plugin.before!(context(operation, 'k', other))).rejects.toBeInstanceOf(AccessDeniedError);
    }
  });

  it('denies requests without an accessor unless the anonymous accessor holds a grant', async () => {
    const control = new SecretAccessControl();
    const plugin = control.plugin();
    await expect(plugin.before!(context('get', 'public-key'))).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await control.grant('public-*', 'anonymous', 'read');
    await expect(plugin.before!(context('get', 'public-key'))).resolves.toBeUndefined();
  });

  it('checks the request scope', async () => {
    const control = new SecretAccessControl();
    const plugin = control.plugin();
    await control.grant('stripe', 'payments', 'read', { scope: 'plugin' });
    await expect(plugin.before!(context('get', 'stripe', 'payments', 'plugin'))).resolves.toBeUndefined();
    await expect(plugin.before!(context('get', 'stripe', 'payments', 'agent'))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(plugin.before!(context('get', 'stripe', 'payments'))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
  });

  it('lets listing through and filters it to readable names', async () => {
    const control = new SecretAccessControl();
    const plugin = control.plugin();
    await control.grant('api-key-*', 'consumer', 'read');
    await control.grant('db-password', 'consumer', 'write');
    await control.grant('scoped', 'consumer', 'read', { scope: 'agent' });
    await expect(plugin.before!(context('list', undefined, 'consumer'))).resolves.toBeUndefined();
    const all = ['api-key-a', 'api-key-b', 'db-password', 'scoped', 'other'].map(info);
    const global = await plugin.filterList!(context('list', undefined, 'consumer'), all);
    expect(global.map((s) => s.key)).toEqual(['api-key-a', 'api-key-b']);
    const agent = await plugin.filterList!(context('list', undefined, 'consumer', 'agent'), all);
    expect(agent.map((s) => s.key)).toEqual(['api-key-a', 'api-key-b', 'scoped']);
    expect(await plugin.filterList!(context('list', undefined, 'nobody'), all)).toEqual([]);
  });

  it('counts allowed and denied checks in metrics', async () => {
    const control = new SecretAccessControl();
    const plugin = control.plugin({ name: 'acl' });
    await control.grant('k', 'a', 'read');
    await plugin.before!(context('get', 'k', 'a'));
    await Promise.resolve(plugin.before!(context('get', 'k', 'b'))).catch(() => undefined);
    expect(plugin.name).toBe('acl');
    expect(plugin.metrics!()).toMatchObject({ allowed: 1, denied: 1 });
  });
});

describe('aliases cannot widen a grant', () => {
  it('a read on env-only/* does not reach what a provider serves as env-only-token', async () => {
    const { SecretManager, createSecret } = await import('@hush/core');
    // Serves one variable under several names, as the env provider does, and says which.
    const provider = {
      name: 'env',
      kind: 'env',
      capabilities: {
        write: false,
        delete: false,
        list: false,
        versions: false,
        tags: false,
        expiry: false,
        batchGet: false,
      },
      async get(key: string) {
        if (key.replace(/[/_.-]/g, '').toLowerCase() !== 'envonlytoken') return null;
        return createSecret({
          key,
          canonicalName: 'env-only-token',
          value: 'x-aliased',
          version: '1',
          provider: 'env',
        });
      },
    };
    const control = new SecretAccessControl();
    await control.grant('env-only/*', 'eve', 'read');
    await control.grant('env-only-token', 'tok', 'read');
    const manager = new SecretManager({ providers: [provider], plugins: [accessControlPlugin(control)] });
    await expect(manager.getSecret('env-only/token', { accessor: 'eve' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(manager.resolve('${secret:env-only/token}', { accessor: 'eve' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(manager.getSecrets(['env-only/token'], { accessor: 'eve' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect((await manager.getSecret('env-only-token', { accessor: 'tok' }))?.value).toBe('x-aliased');
  });
});
