import { MemoryProvider } from '@hush/testkit';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineSecrets, type Secret, SecretManager, ValidationError } from '../src/index.js';

const SCHEMA = {
  'db/url': { required: true, pattern: '^postgres://' },
  'db/creds': { json: true, fields: ['username', 'password'] },
  'api-key': { minLength: 20, rotation: '90d' },
} as const;

// Type tests: checked by `npm run typecheck` (tsc over the test files), not at run time.
const typed = (manager: SecretManager) => {
  const secrets = defineSecrets(manager, SCHEMA);
  expectTypeOf(secrets.getSecret('db/url', { required: true })).toEqualTypeOf<Promise<Secret>>();
  expectTypeOf(secrets.getSecret('api-key')).toEqualTypeOf<Promise<Secret | null>>();
  secrets.getSecret('db/creds#password');
  // @ts-expect-error a name the schema does not declare
  secrets.getSecret('db/ur1');
  // @ts-expect-error a field the schema does not declare
  secrets.getSecret('db/creds#pasword');
  // @ts-expect-error writes are checked too
  secrets.setSecret('nope', 'x');
  // An inline schema is taken as written (no `as const` needed).
  const inline = defineSecrets(manager, { token: { fields: ['id'] } });
  inline.getSecret('token#id');
  // @ts-expect-error not among the inline fields
  inline.getSecret('token#secret');
  return async () => {
    const config = await secrets.resolve({
      db: { url: '${secret:db/url}', user: '${secret:db/creds#username}', pool: 5 },
      hosts: ['${secret:api-key:none}', 'literal $${secret:not-checked}'],
      debug: false,
    });
    expectTypeOf(config).toEqualTypeOf<{
      db: { url: string; user: string; pool: number };
      hosts: [string, string];
      debug: boolean;
    }>();
    // @ts-expect-error a reference to an undeclared secret
    await secrets.resolve({ url: '${secret:db/ur1}' });
    // @ts-expect-error a reference to an undeclared field, inside a longer string
    await secrets.resolve({ dsn: 'postgres://${secret:db/creds#user}@db/app' });
    const loaded: { url: string } = JSON.parse('{"url":"x"}');
    // A document whose strings are not literals is taken as it is.
    expectTypeOf(await secrets.resolve(loaded)).toEqualTypeOf<{ url: string }>();
  };
};

describe('defineSecrets', () => {
  it('reads and resolves through the manager, and refuses undeclared names at run time', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider({ name: 'mem' })] });
    await manager.initialize();
    const secrets = defineSecrets(manager, SCHEMA);
    await secrets.setSecret('db/url', 'postgres://db/app');
    await secrets.setSecret('db/creds', JSON.stringify({ username: 'app', password: 'pw-123' }));
    expect((await secrets.getSecret('db/url', { required: true })).value).toBe('postgres://db/app');
    expect((await secrets.getSecret('db/creds#username'))?.value).toBe('app');
    expect(await secrets.resolve({ u: '${secret:db/creds#username}@${secret:db/url}' })).toEqual({
      u: 'app@postgres://db/app',
    });
    expect(secrets.names).toEqual(['db/url', 'db/creds', 'api-key']);
    await expect((secrets.getSecret as (name: string) => Promise<unknown>)('other')).rejects.toBeInstanceOf(
      ValidationError,
    );
    expectTypeOf(typed).toBeFunction();
    await manager.dispose();
  });
});
