import { MemoryProvider } from '@hush/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Notice,
  parseConfig,
  SecretManager,
  SecretRotator,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';

const DAY = 86_400_000;
const PLANTED = 'planted-rotation-value-5b1e';

/** A clock the test moves: Date only (the providers stamp their writes with it); timers stay real. */
function clock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  return { now: () => Date.now(), advance: (ms: number) => void vi.setSystemTime(Date.now() + ms) };
}
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const time = clock();
  const provider = new MemoryProvider({ name: 'primary' });
  const env = new MemoryProvider({ name: 'env', readOnly: true });
  const manager = new SecretManager({ providers: [provider, env], now: time.now });
  return { time, provider, env, manager };
}

describe('rotation policies and the rotator', () => {
  it('rotates what its tag or the schema says is due, once; the rest is left alone', async () => {
    const { time, manager, provider } = setup();
    await manager.setSecret('tagged', PLANTED, { tags: { rotation: '30d' } });
    await manager.setSecret('db/password', PLANTED);
    await manager.setSecret('db/other', PLANTED, { tags: { rotation: '90d' } });
    await manager.setSecret('plain', PLANTED);
    const notices: Notice[] = [];
    const rotator = new SecretRotator(manager, {
      now: time.now,
      schema: { 'db/*': { rotation: '30d', generator: 'random:24:hex' } },
      onNotice: (n) => void notices.push(n),
    });
    expect((await rotator.check()).results).toEqual([]);
    time.advance(31 * DAY);
    const report = await rotator.check();
    const byKey = Object.fromEntries(report.results.map((r) => [r.key, r]));
    expect(Object.keys(byKey).sort()).toEqual(['db/password', 'tagged']);
    expect(byKey.tagged).toMatchObject({
      status: 'rotated',
      previousVersion: '1',
      version: '2',
      period: '30d',
    });
    expect(byKey['db/password']).toMatchObject({ status: 'rotated', version: '2' });
    // The schema's generator: 24 hex characters.
    expect((await manager.getSecret('db/password', { required: true })).value).toMatch(/^[0-9a-f]{24}$/);
    expect((await manager.getSecret('tagged', { required: true })).value).not.toBe(PLANTED);
    // The tag (90d) wins over the schema's 30d; a secret without a policy is never rotated.
    expect((await provider.get('db/other'))?.version).toBe('1');
    expect((await provider.get('plain'))?.version).toBe('1');
    // Rotated means updated: not due again on the next check.
    expect((await rotator.check()).results).toEqual([]);
    expect(
      notices
        .filter((n) => n.event === 'secret.rotated')
        .map((n) => n.secret)
        .sort(),
    ).toEqual(['db/password', 'tagged']);
    expect(JSON.stringify(notices)).not.toContain(PLANTED);
  });

  it('two rotators of one backend rotate a due secret once: the second loses the compare-and-set', async () => {
    const { time, provider } = setup();
    await provider.set('api-key', PLANTED, { tags: { rotation: '7d' } });
    time.advance(8 * DAY);
    const managers = [0, 1].map(() => new SecretManager({ providers: [provider], now: time.now }));
    const notices: Notice[] = [];
    const rotators = managers.map(
      (manager) => new SecretRotator(manager, { now: time.now, onNotice: (n) => void notices.push(n) }),
    );
    const reports = await Promise.all(rotators.map((r) => r.check()));
    const statuses = reports.map((r) => r.results[0]?.status).sort();
    expect(statuses).toEqual(['conflict', 'rotated']);
    expect((await provider.listVersions('api-key')).map((v) => v.version)).toEqual(['1', '2']);
    expect(notices.filter((n) => n.event === 'secret.rotated')).toHaveLength(1);
    expect(notices.filter((n) => n.event === 'secret.rotation_failed')).toHaveLength(0);
  });

  it('never rotates a secret whose provider or generator cannot write: reported, and noticed', async () => {
    const { time, manager, env, provider } = setup();
    // The env provider is read-only: give it a due secret by seeding it directly.
    (env as unknown as { seed(e: Record<string, string>): void }).seed({ TOKEN: PLANTED });
    await provider.set('bad-generator', PLANTED, {
      tags: { rotation: '1d', 'rotation-generator': 'dice' },
    });
    const notices: Notice[] = [];
    const rotator = new SecretRotator(manager, {
      now: time.now,
      schema: { TOKEN: { rotation: '1d' } },
      onNotice: (n) => void notices.push(n),
    });
    time.advance(2 * DAY);
    const report = await rotator.check();
    const byKey = Object.fromEntries(report.results.map((r) => [r.key, r]));
    expect(byKey.TOKEN).toMatchObject({ status: 'skipped', reason: "provider 'env' is read-only" });
    expect(byKey['bad-generator']).toMatchObject({ status: 'skipped', code: 'NOT_ROTATABLE' });
    expect((await provider.get('bad-generator'))?.version).toBe('1');
    const failed = notices.filter((n) => n.event === 'secret.rotation_failed');
    expect(failed.map((n) => n.secret).sort()).toEqual(['TOKEN', 'bad-generator']);
    // A watch loop would check again: each failure is noticed once per version.
    await rotator.check();
    expect(notices.filter((n) => n.event === 'secret.rotation_failed')).toHaveLength(2);
    expect(JSON.stringify(notices)).not.toContain(PLANTED);
  });

  it('defaultPeriod applies to writable providers only', async () => {
    const { time, manager, env, provider } = setup();
    (env as unknown as { seed(e: Record<string, string>): void }).seed({ HOME_DIR: 'x' });
    await provider.set('k', PLANTED);
    const rotator = new SecretRotator(manager, { now: time.now, defaultPeriod: '30d' });
    time.advance(31 * DAY);
    const report = await rotator.check();
    expect(report.results.map((r) => [r.key, r.status])).toEqual([['k', 'rotated']]);
  });

  it('notices expiring (within notifyBefore) and expired secrets, once per version', async () => {
    const { time, manager } = setup();
    await manager.setSecret('cert', PLANTED, { expiresAt: '10d' });
    await manager.setSecret('token', PLANTED, { tags: { rotation: '30d' } });
    const notices: Notice[] = [];
    const rotator = new SecretRotator(manager, {
      now: time.now,
      notifyBefore: '7d',
      environment: 'prod',
      onNotice: (n) => void notices.push(n),
    });
    time.advance(2 * DAY);
    expect((await rotator.check()).expiring).toEqual([]);
    time.advance(2 * DAY); // cert expires in 6 days
    let report = await rotator.check();
    expect(report.expiring.map((e) => [e.key, e.reason])).toEqual([['cert', 'expiry']]);
    await rotator.check();
    expect(notices.filter((n) => n.event === 'secret.expiring')).toHaveLength(1);
    expect(notices[0]).toMatchObject({ event: 'secret.expiring', secret: 'cert', environment: 'prod' });
    time.advance(20 * DAY); // cert expired; token due in 6 days
    report = await rotator.check();
    expect(report.expired.map((e) => e.key)).toEqual(['cert']);
    expect(report.expiring.map((e) => [e.key, e.reason])).toEqual([['token', 'rotation']]);
    expect(notices.map((n) => n.event)).toEqual(['secret.expiring', 'secret.expired', 'secret.expiring']);
    expect(notices[2]).toMatchObject({ reason: 'rotation', dueAt: expect.any(String) });
  });

  it('watch checks on a schedule until aborted (an injected sleep, no timer)', async () => {
    const { time, manager, provider } = setup();
    await provider.set('k', PLANTED, { tags: { rotation: '1d' } });
    const controller = new AbortController();
    const reports: number[] = [];
    const waits: number[] = [];
    const rotator = new SecretRotator(manager, { now: time.now });
    await rotator.watch({
      interval: '12h',
      signal: controller.signal,
      onReport: (r) => void reports.push(r.results.filter((x) => x.status === 'rotated').length),
      sleep: async (ms) => {
        waits.push(ms);
        time.advance(ms);
        if (waits.length === 4) controller.abort();
      },
    });
    // Checks at 0h, 12h, 24h (due: rotated), 36h; the 4th wait aborts the loop.
    expect(reports).toEqual([0, 0, 1, 0]);
    expect(waits).toEqual([12 * 3_600_000, 12 * 3_600_000, 12 * 3_600_000, 12 * 3_600_000]);
    expect((await provider.get('k'))?.version).toBe('2');
  });

  it('a dry run reports what is due and changes nothing', async () => {
    const { time, manager, provider } = setup();
    await provider.set('k', PLANTED, { tags: { rotation: '1d' } });
    time.advance(2 * DAY);
    const report = await new SecretRotator(manager, { now: time.now, dryRun: true }).check();
    expect(report.results.map((r) => r.status)).toEqual(['due']);
    expect((await provider.get('k'))?.version).toBe('1');
  });

  it('reads rotation: from the configuration, and refuses bad settings by path', () => {
    const config = parseConfig({
      environments: { dev: { providers: [{ kind: 'local' }] } },
      rotation: { defaultPeriod: '30d', notifyBefore: '7d' },
    });
    expect(config.rotation).toEqual({ defaultPeriod: '30d', notifyBefore: '7d' });
    const bad = (extra: Record<string, unknown>) => () =>
      parseConfig({ environments: { dev: { providers: [{ kind: 'local' }] } }, ...extra });
    expect(bad({ rotation: { notifyBefore: 'soon' } })).toThrow(/rotation\.notifyBefore.*duration/);
    expect(bad({ rotation: { every: '1d' } })).toThrow(/unknown setting 'every'/);
  });
});

describe('dual-version safety: the previous version during a grace period', () => {
  it('keepPrevious keeps the replaced version readable until the grace period ends', async () => {
    const { time, manager } = setup();
    await manager.setSecret('db/password', PLANTED, { tags: { owner: 'team-a' } });
    const rotated = await manager.rotateSecret('db/password', { keepPrevious: '1h' });
    const current = await manager.getSecret('db/password', { required: true });
    expect(current.version).toBe(rotated.version);
    expect(current.tags.owner).toBe('team-a');
    const previous = await manager.getSecret('db/password', { previous: true, required: true });
    expect(previous.value).toBe(PLANTED);
    expect(previous.version).toBe('1');
    const template = await manager.resolve('new=${secret:db/password} old=${secret:db/password@previous}');
    expect(template).toBe(`new=${current.value} old=${PLANTED}`);
    time.advance(61 * 60_000);
    expect(await manager.getSecret('db/password', { previous: true })).toBeNull();
    await expect(manager.resolve('${secret:db/password@previous}')).rejects.toThrow(/db\/password@previous/);
    expect(await manager.resolve('${secret:db/password@previous:none}')).toBe('none');
  });

  it('a rotation without keepPrevious ends an earlier grace period; nothing previous without one', async () => {
    const { manager } = setup();
    await manager.setSecret('k', PLANTED);
    expect(await manager.getSecret('k', { previous: true })).toBeNull();
    await manager.rotateSecret('k', { keepPrevious: '1h' });
    expect(await manager.getSecret('k', { previous: true })).not.toBeNull();
    await manager.rotateSecret('k');
    expect(await manager.getSecret('k', { previous: true })).toBeNull();
  });

  it('refuses keepPrevious with expireOldVersion, on a provider without versions, and previous with version', async () => {
    const { manager } = setup();
    await manager.setSecret('k', PLANTED);
    await expect(manager.rotateSecret('k', { keepPrevious: '1h', expireOldVersion: true })).rejects.toThrow(
      ValidationError,
    );
    await expect(manager.rotateSecret('k', { keepPrevious: 'a while' })).rejects.toThrow(/keepPrevious/);
    await expect(manager.getSecret('k', { previous: true, version: 1 })).rejects.toThrow(ValidationError);
    const flat = new MemoryProvider({ name: 'flat' });
    Object.assign(flat, { capabilities: { ...flat.capabilities, versions: false } });
    const other = new SecretManager({ providers: [flat] });
    await other.setSecret('k', PLANTED);
    await expect(other.rotateSecret('k', { keepPrevious: '1h' })).rejects.toThrow(UnsupportedOperationError);
    expect((await other.getSecret('k'))?.version).toBe('1');
  });

  it('expectedVersion: a rotation of a version that is no longer current is a conflict, nothing written', async () => {
    const { manager, provider } = setup();
    await manager.setSecret('k', PLANTED);
    await manager.setSecret('k', `${PLANTED}-2`);
    await expect(manager.rotateSecret('k', { expectedVersion: '1' })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
    expect((await provider.get('k'))?.version).toBe('2');
  });
});
