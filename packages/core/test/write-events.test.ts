import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { type OperationEvent, SecretManager } from '../src/index.js';

const VALUE = 'event-value-1b7c33';

describe('the after-event of a write says what the write changed', () => {
  it('set, rotate, rollback and delete, never the value', async () => {
    const events: OperationEvent[] = [];
    const manager = new SecretManager({
      providers: [new MemoryProvider()],
      plugins: [{ name: 'audit', after: (e) => void events.push(e) }],
    });
    const expiresAt = new Date(Date.now() + 86_400_000);
    const first = await manager.setSecret('k', VALUE, { tags: { env: 'prod' }, expiresAt, scope: 'user' });
    const rotated = await manager.rotateSecret('k', { newValue: `${VALUE}-2` });
    await manager.rollbackSecret('k', first.version);
    await manager.deleteSecret('k');
    const [set, rotate, rollback, remove] = events;
    expect(set!.change).toMatchObject({ version: first.version, tags: { env: 'prod' }, scope: 'user' });
    expect(set!.change!.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    expect(rotate!.change).toMatchObject({ version: rotated.version, expiresAt: null });
    expect(rotate!.change!.rotatedAt).toBeInstanceOf(Date);
    expect(rollback!.change?.version).toBeDefined();
    expect(remove!.change).toMatchObject({ deleted: true });
    expect(JSON.stringify(events)).not.toContain(VALUE);
  });
});
