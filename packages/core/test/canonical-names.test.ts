import { describe, expect, it } from 'vitest';
import { AccessDeniedError, createSecret, SecretManager, type SecretProvider } from '../src/index.js';

/** Serves one variable under several names, as an environment provider does. */
function aliasing(): SecretProvider {
  return {
    name: 'aliases',
    kind: 'test',
    capabilities: {
      write: false,
      delete: false,
      list: false,
      versions: false,
      tags: false,
      expiry: false,
      batchGet: false,
    },
    async get(key) {
      if (key.replace(/[/_.-]/g, '').toLowerCase() !== 'envonlytoken') return null;
      return createSecret({
        key,
        canonicalName: 'env-only-token',
        value: 'aliased-value-4411',
        version: '1',
        provider: 'aliases',
      });
    },
  };
}

describe('access is decided on the canonical name of what is served', () => {
  it('an alias cannot widen a grant', async () => {
    const decided: string[] = [];
    const manager = new SecretManager({
      providers: [aliasing()],
      plugins: [
        {
          name: 'grants',
          // read on env-only/* only
          before(context) {
            decided.push(context.key ?? '');
            if (context.key && !context.key.startsWith('env-only/')) throw new AccessDeniedError('no');
          },
          beforeServe(context, served) {
            decided.push(served.canonicalName ?? served.key);
            if (!(served.canonicalName ?? served.key).startsWith('env-only/'))
              throw new AccessDeniedError(`no read on '${served.canonicalName}' for ${context.accessor}`);
          },
        },
      ],
    });
    await expect(manager.getSecret('env-only/token')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(decided).toContain('env-only-token');
    // and the cached value is not served either
    await expect(manager.getSecret('env-only/token')).rejects.toBeInstanceOf(AccessDeniedError);
  });
});
