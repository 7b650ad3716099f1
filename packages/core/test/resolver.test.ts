import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import {
  parseReference,
  resolveReferences,
  SecretManager,
  splitTemplate,
  UnresolvedReferencesError,
} from '../src/index.js';

function managerWith(secrets: Record<string, string>) {
  const provider = new MemoryProvider({ secrets });
  return { provider, manager: new SecretManager({ providers: [provider] }) };
}

describe('reference grammar', () => {
  it('parses name, default, field and field with default', () => {
    expect(parseReference('api-key')).toEqual({ raw: 'api-key', name: 'api-key' });
    expect(parseReference('db-url:postgresql://localhost')).toMatchObject({
      name: 'db-url',
      default: 'postgresql://localhost',
    });
    expect(parseReference('database/connection#url')).toMatchObject({
      name: 'database/connection',
      field: 'url',
    });
    expect(parseReference('db#port:5432')).toMatchObject({ name: 'db', field: 'port', default: '5432' });
    expect(parseReference('empty-default:')).toMatchObject({ name: 'empty-default', default: '' });
  });

  it('treats $${secret:x} as a literal', () => {
    expect(splitTemplate('cost: $${secret:x} and ${secret:y}')).toEqual([
      { literal: 'cost: ' },
      { literal: '${secret:x}' },
      { literal: ' and ' },
      { reference: { raw: 'y', name: 'y' } },
    ]);
  });
});

describe('resolve', () => {
  it('replaces a whole-string reference', async () => {
    const { manager } = managerWith({ 'api-key-stripe': 'sk_live_1' });
    expect(await manager.resolve('${secret:api-key-stripe}')).toBe('sk_live_1');
  });

  it('replaces references inside longer strings, several per string', async () => {
    const { manager } = managerWith({ user: 'admin', pass: 'hunter2' });
    expect(await manager.resolve('postgres://${secret:user}:${secret:pass}@db:5432/app')).toBe(
      'postgres://admin:hunter2@db:5432/app',
    );
  });

  it('uses the default when the secret is missing, including colons in it', async () => {
    const { manager } = managerWith({});
    expect(await manager.resolve('${secret:database-url:postgresql://localhost:5432/dev}')).toBe(
      'postgresql://localhost:5432/dev',
    );
  });

  it('takes one field of a JSON secret', async () => {
    const { manager } = managerWith({
      'database/connection': JSON.stringify({ url: 'postgres://x', pool: { size: 5 } }),
    });
    expect(await manager.resolve('${secret:database/connection#url}')).toBe('postgres://x');
    expect(await manager.resolve('${secret:database/connection#pool.size}')).toBe('5');
  });

  it('keeps $${secret:x} as the literal text ${secret:x}', async () => {
    const { manager } = managerWith({ x: 'never' });
    expect(await manager.resolve('literal $${secret:x}')).toBe('literal ${secret:x}');
  });

  it('walks objects and arrays and leaves other values alone', async () => {
    const { manager } = managerWith({ a: 'A', b: 'B' });
    const input = {
      n: 1,
      t: true,
      z: null,
      list: ['${secret:a}', { deep: 'x-${secret:b}' }],
      nested: { a: '${secret:a}' },
    };
    expect(await manager.resolve(input)).toEqual({
      n: 1,
      t: true,
      z: null,
      list: ['A', { deep: 'x-B' }],
      nested: { a: 'A' },
    });
    expect(input.nested.a).toBe('${secret:a}');
  });

  it('never re-resolves a secret whose value looks like a reference', async () => {
    const { manager } = managerWith({ tricky: '${secret:other}', other: 'leak' });
    expect(await manager.resolve('${secret:tricky}')).toBe('${secret:other}');
  });

  it('fetches each distinct reference once, concurrently', async () => {
    const { provider, manager } = managerWith({ a: 'A', b: 'B' });
    provider.faults.latencyMs = 30;
    const doc = Array.from({ length: 20 }, (_, i) => (i % 2 ? '${secret:a}' : '${secret:b}:${secret:a}'));
    const started = performance.now();
    await manager.resolve(doc);
    expect(provider.calls.get).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports every unresolved reference with its document path', async () => {
    const { manager } = managerWith({ 'database/connection': '{"url":"x"}', plain: 'not json' });
    const error = await manager
      .resolve({
        database: { url: '${secret:db-url}', port: '${secret:database/connection#port}' },
        servers: ['ok', '${secret:missing}'],
        plain: '${secret:plain#f}',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnresolvedReferencesError);
    const references = (error as UnresolvedReferencesError).references;
    expect(references).toEqual([
      { path: 'database.url', reference: 'db-url', reason: 'not found' },
      { path: 'database.port', reference: 'database/connection#port', reason: "no field 'port'" },
      { path: 'servers[1]', reference: 'missing', reason: 'not found' },
      { path: 'plain', reference: 'plain#f', reason: "no field 'f'" },
    ]);
    expect((error as Error).message).toContain('database.url');
    expect((error as Error).message).toContain('servers[1]');
  });

  it('never puts a value in the error report', async () => {
    const { manager } = managerWith({ 'api/token': 'tok-SECRET-123' });
    const error = await manager.resolve({ a: '${secret:api/token} ${secret:nope}' }).catch((e: unknown) => e);
    expect(String(error)).not.toContain('tok-SECRET-123');
    expect(JSON.stringify(error)).not.toContain('tok-SECRET-123');
  });

  it('works with any lookup function', async () => {
    const out = await resolveReferences({ a: '${secret:x}' }, async (name) => (name === 'x' ? 'X' : null));
    expect(out).toEqual({ a: 'X' });
  });
});
