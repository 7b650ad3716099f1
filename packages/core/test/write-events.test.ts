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
    // The rotated version starts a new period as long as the first one's (a day).
    expect(rotate!.change).toMatchObject({ version: rotated.version });
    expect(Math.abs(rotate!.change!.expiresAt!.getTime() - Date.now() - 86_400_000)).toBeLessThan(60_000);
    expect(rotate!.change!.rotatedAt).toBeInstanceOf(Date);
    expect(rollback!.change?.version).toBeDefined();
    expect(remove!.change).toMatchObject({ deleted: true });
    expect(JSON.stringify(events)).not.toContain(VALUE);
  });
});

describe('expiry periods across rotate and rollback', () => {
  const DAY = 86_400_000;
  const near = (date: Date | undefined, ms: number) =>
    expect(Math.abs((date?.getTime() ?? 0) - Date.now() - ms)).toBeLessThan(60_000);

  it('a rotation and a rollback start a new period of the same length; expiresAt overrides it', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider()] });
    const first = await manager.setSecret('p', VALUE, { expiresAt: '90d' });
    await manager.rotateSecret('p', { newValue: `${VALUE}-2` });
    near((await manager.getSecret('p', { fresh: true }))?.expiresAt, 90 * DAY);
    await manager.rollbackSecret('p', first.version);
    near((await manager.getSecret('p', { fresh: true }))?.expiresAt, 90 * DAY);
    await manager.rotateSecret('p', { newValue: `${VALUE}-3`, expiresAt: '7d' });
    near((await manager.getSecret('p', { fresh: true }))?.expiresAt, 7 * DAY);
  });

  it('a secret without expiry stays without one', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider()] });
    await manager.setSecret('q', VALUE);
    await manager.rotateSecret('q', { newValue: `${VALUE}-2` });
    expect((await manager.getSecret('q', { fresh: true }))?.expiresAt).toBeUndefined();
  });
});
