import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryProvider } from '@hush/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSecret,
  ProviderUnavailableError,
  parseConfig,
  SecretManager,
  type SecretProvider,
} from '../src/index.js';
import { deferred, GatedProvider } from './support.js';

const PLANTED = 'planted-offline-value-5d1e9a';
const HOUR = 3_600_000;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'hush-persistent-'));
  dirs.push(dir);
  const clock = { now: 1_700_000_000_000 };
  const warnings: string[] = [];
  const provider = new MemoryProvider({ name: 'vault', secrets: { 'db/password': PLANTED } });
  const make = (
    options: { offline?: boolean; ttl?: string; providers?: SecretProvider[]; env?: string } = {},
  ) =>
    new SecretManager({
      providers: options.providers ?? [provider],
      cache: {
        ttl: '5m',
        persistent: {
          path: join(dir, 'cache'),
          ttl: options.ttl ?? '24h',
          keyFile: join(dir, 'state', 'cache.key'),
        },
      },
      environment: options.env ?? 'prod',
      now: () => clock.now,
      offline: options.offline ?? false,
      onWarning: (message) => warnings.push(message),
    });
  const files = () => {
    const root = join(dir, 'cache', 'prod');
    try {
      return readdirSync(root).map((f) => join(root, f));
    } catch {
      return [];
    }
  };
  return { dir, clock, warnings, provider, make, files };
}

/** Fills the persistent tier through one manager (one process), then closes it. */
async function fill(make: () => SecretManager, ...names: string[]) {
  const manager = make();
  for (const name of names) await manager.getSecret(name);
  await manager.dispose();
}

/** Serves its secrets as dynamic credentials under a one-hour lease, as Vault's database engine does. */
class LeasingProvider extends MemoryProvider {
  override async get(...args: Parameters<MemoryProvider['get']>) {
    const secret = await super.get(...args);
    if (!secret) return secret;
    const lease = { id: `database/creds/app/${secret.version}`, durationSeconds: 3600, renewable: false };
    return createSecret({
      ...secret.toInfo(),
      value: secret.value,
      lease: { ...lease, expiresAt: new Date(secret.updatedAt.getTime() + 3_600_000) },
    });
  }
}

describe('the persistent cache tier', () => {
  it('never writes a leased (dynamic) value to disk, so offline it is not served', async () => {
    const { make, files } = setup();
    const leasing = new LeasingProvider({ name: 'vault', secrets: { 'db/creds': PLANTED } });
    const online = make({ providers: [leasing] });
    expect((await online.getSecret('db/creds'))?.lease).toBeDefined();
    expect((await online.getSecrets(['db/creds'])).get('db/creds')?.value).toBe(PLANTED);
    await online.dispose();
    expect(files()).toEqual([]);
    const offline = make({ providers: [leasing], offline: true });
    await expect(offline.getSecret('db/creds')).rejects.toBeInstanceOf(ProviderUnavailableError);
    await offline.dispose();
  });

  it('keeps what a remote provider served as ciphertext, under a 0600 key file made on first use', async () => {
    const { dir, make, files } = setup();
    await fill(make, 'db/password');
    const [file] = files();
    expect(file).toBeDefined();
    const bytes = readFileSync(file!);
    expect(bytes.includes(PLANTED)).toBe(false);
    expect(bytes.toString('utf8')).not.toContain(Buffer.from(PLANTED).toString('base64'));
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state', 'cache.key')).mode & 0o777).toBe(0o600);
  });

  it('serves the copy when every provider fails, counted as offlineServed, and masks it', async () => {
    const { provider, make } = setup();
    await fill(make, 'db/password');
    provider.faults.outage = true;
    const manager = make();
    const secret = await manager.getSecret('db/password');
    expect(secret?.value).toBe(PLANTED);
    expect(secret?.provider).toBe('vault');
    const metrics = await manager.getMetrics();
    expect(metrics.cache.offlineServed).toBe(1);
    expect(metrics.cache.persistent).toMatchObject({ hits: 1, tampered: 0 });
    expect(manager.masker.mask(`x ${PLANTED} y`)).not.toContain(PLANTED);
    // A secret never read online has no copy: the outage is reported as it is.
    await expect(manager.getSecret('api-key')).rejects.toBeInstanceOf(ProviderUnavailableError);
    await manager.dispose();
  });

  it('a provider that answers is always asked first: the copy is for outages only', async () => {
    const { provider, make } = setup();
    await fill(make, 'db/password');
    await provider.set('db/password', 'changed-elsewhere');
    const manager = make();
    expect((await manager.getSecret('db/password'))?.value).toBe('changed-elsewhere');
    expect((await manager.getMetrics()).cache.offlineServed).toBe(0);
    await manager.dispose();
  });

  it('never serves a copy older than its maximum age', async () => {
    const { clock, provider, make } = setup();
    await fill(() => make({ ttl: '24h' }), 'db/password');
    provider.faults.outage = true;
    clock.now += 24 * HOUR - 1;
    const young = make({ ttl: '24h' });
    expect((await young.getSecret('db/password'))?.value).toBe(PLANTED);
    await young.dispose();
    clock.now += 1;
    const old = make({ ttl: '24h' });
    await expect(old.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    // A shorter maximum age in a later configuration applies to copies made earlier.
    await old.dispose();
    clock.now -= 2 * HOUR;
    const stricter = make({ ttl: '1h' });
    await expect(stricter.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await stricter.getMetrics()).cache.persistent?.tooOld).toBe(1);
    await stricter.dispose();
  });

  it('offline mode makes no provider call: reads come from the copies, local providers are still asked', async () => {
    const { provider, make } = setup();
    await fill(make, 'db/password');
    const local = new MemoryProvider({ name: 'local', secrets: { 'local-only': 'from-this-machine' } });
    Object.assign(local, { offline: true });
    const before = { ...provider.calls };
    const manager = make({ offline: true, providers: [provider, local] });
    await manager.initialize();
    expect((await manager.getSecret('db/password'))?.value).toBe(PLANTED);
    expect((await manager.getSecret('local-only'))?.value).toBe('from-this-machine');
    const missing = await manager.getSecret('never-read').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ProviderUnavailableError);
    expect((missing as ProviderUnavailableError).failures).toEqual([
      expect.objectContaining({ provider: 'vault', code: 'OFFLINE' }),
    ]);
    const many = await manager.getSecrets(['db/password', 'local-only']);
    expect([...many.values()].map((s) => s?.value)).toEqual([PLANTED, 'from-this-machine']);
    expect(await manager.resolve('pw=${secret:db/password}')).toBe(`pw=${PLANTED}`);
    expect((await manager.listSecrets()).map((i) => i.key)).toEqual(['db/password', 'local-only']);
    expect(provider.calls).toEqual(before);
    const health = await manager.healthCheck();
    expect(health.providers.find((p) => p.name === 'vault')).toMatchObject({ status: 'unhealthy' });
    expect(provider.calls).toEqual(before);
    await expect(manager.setSecret('db/password', 'x', { provider: 'vault' })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    await manager.dispose();
    // The refused write dropped nothing.
    const again = make({ offline: true });
    expect((await again.getSecret('db/password'))?.value).toBe(PLANTED);
    await again.dispose();
  });

  it('keeps nothing a local provider served', async () => {
    const { make, files } = setup();
    const local = new MemoryProvider({ name: 'local', secrets: { 'local-only': 'x-local' } });
    Object.assign(local, { offline: true });
    await fill(() => make({ providers: [local] }), 'local-only');
    expect(files()).toEqual([]);
  });

  it('every write, rotate and delete through the manager drops the copy', async () => {
    const { provider, make } = setup();
    for (const write of [
      (m: SecretManager) => m.setSecret('db/password', 'new-value'),
      (m: SecretManager) => m.rotateSecret('db/password'),
      (m: SecretManager) => m.deleteSecret('db/password'),
    ]) {
      provider.faults.outage = false;
      if (!(await provider.get('db/password'))) await provider.set('db/password', PLANTED);
      const manager = make();
      await manager.getSecret('db/password');
      await write(manager);
      expect((await manager.persistentCache!.status()).entries).toEqual([]);
      await manager.dispose();
      provider.faults.outage = true;
      const offline = make({ offline: true });
      await expect(offline.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
      await offline.dispose();
    }
  });

  it('a read in flight during a write never puts the old value back on disk', async () => {
    const { make } = setup();
    const gated = new GatedProvider('vault');
    gated.values.set('db/password', { value: PLANTED, version: 1 });
    const manager = make({ providers: [gated] });
    const gate = deferred();
    gated.gate = gate.promise;
    const reading = manager.getSecret('db/password');
    await new Promise((resolve) => setTimeout(resolve, 5));
    gated.gate = undefined;
    await manager.setSecret('db/password', 'newer');
    gate.resolve();
    // The read began before the write: it answers what it read, and keeps it nowhere.
    expect((await reading)?.value).toBe(PLANTED);
    expect((await manager.persistentCache!.status()).entries).toEqual([]);
    await manager.dispose();
  });

  it('a file cut short, an edited entry, or one moved to another name is ignored with a warning and counted', async () => {
    const { provider, make, files, warnings } = setup();
    provider.seed({ other: 'value-of-other' });
    await fill(make, 'db/password', 'other');
    provider.faults.outage = true;
    const [a, b] = files();
    const texts = [readFileSync(a!, 'utf8'), readFileSync(b!, 'utf8')];
    const ofPassword = texts[0]!.includes('"db/password"') ? 0 : 1;
    const passwordFile = [a!, b!][ofPassword]!;
    const otherFile = [a!, b!][1 - ofPassword]!;

    // Cut short, as by a crash mid-write on a filesystem without atomic rename.
    writeFileSync(passwordFile, texts[ofPassword]!.slice(0, 40));
    let manager = make();
    await expect(manager.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await manager.getMetrics()).cache.persistent?.tampered).toBe(1);
    await manager.dispose();

    // One byte of the ciphertext changed.
    const doc = JSON.parse(texts[ofPassword]!);
    const entry = doc.entries['db/password'];
    const sealed = Buffer.from(entry.sealed, 'base64');
    sealed[sealed.length - 1]! ^= 1;
    entry.sealed = sealed.toString('base64');
    writeFileSync(passwordFile, JSON.stringify(doc));
    manager = make();
    await expect(manager.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await manager.getMetrics()).cache.persistent?.tampered).toBe(1);
    await manager.dispose();

    // Another secret's entry under this name's file and name: authenticated data says no.
    const moved = JSON.parse(texts[1 - ofPassword]!);
    moved.name = 'db/password';
    moved.entries = { 'db/password': moved.entries.other };
    writeFileSync(passwordFile, JSON.stringify(moved));
    manager = make();
    await expect(manager.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await manager.getMetrics()).cache.persistent?.tampered).toBe(1);
    // The untouched entry still serves.
    expect((await manager.getSecret('other'))?.value).toBe('value-of-other');
    await manager.dispose();
    expect(readFileSync(otherFile, 'utf8')).toBe(texts[1 - ofPassword]);
    expect(warnings.length).toBe(3);
    for (const warning of warnings) {
      expect(warning).toMatch(/ignored a persistent cache entry/);
      expect(warning).not.toContain(PLANTED);
    }
  });

  it('entries sealed under another machine key, or for another environment, do not open', async () => {
    const { dir, provider, make, clock, warnings } = setup();
    await fill(make, 'db/password');
    provider.faults.outage = true;
    const otherMachine = new SecretManager({
      providers: [provider],
      cache: { persistent: { path: join(dir, 'cache'), keyFile: join(dir, 'other.key') } },
      environment: 'prod',
      now: () => clock.now,
      onWarning: (message) => warnings.push(message),
    });
    await expect(otherMachine.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await otherMachine.getMetrics()).cache.persistent?.tampered).toBe(1);
    await otherMachine.dispose();
    const staging = make({ env: 'staging' });
    await expect(staging.getSecret('db/password')).rejects.toBeInstanceOf(ProviderUnavailableError);
    await staging.dispose();
  });

  it('a key file others can read turns the tier off with a warning; reads go on', async () => {
    const { dir, make, warnings, files } = setup();
    await fill(make, 'db/password');
    chmodSync(join(dir, 'state', 'cache.key'), 0o644);
    const manager = make();
    await manager.setSecret('db/password', 'next-value');
    expect((await manager.getSecret('db/password'))?.value).toBe('next-value');
    await manager.dispose();
    expect(warnings.some((w) => /persistent cache is off: .*readable by others/.test(w))).toBe(true);
    expect(files().length).toBe(0);
  });

  it('status shows names, versions, providers and ages, never values; clear drops them', async () => {
    const { clock, provider, make } = setup();
    provider.seed({ 'api-key': 'api-key-value' });
    await fill(make, 'db/password', 'api-key');
    clock.now += 90_000;
    const manager = make();
    const status = await manager.persistentCache!.status();
    expect(status.entries.map((e) => [e.name, e.provider, e.ageMs, e.expired, e.valid])).toEqual([
      ['api-key', 'vault', 90_000, false, true],
      ['db/password', 'vault', 90_000, false, true],
    ]);
    expect(JSON.stringify(status)).not.toContain(PLANTED);
    expect(await manager.persistentCache!.clear('api-key')).toBe(1);
    expect(await manager.persistentCache!.clear()).toBe(1);
    expect((await manager.persistentCache!.status()).entries).toEqual([]);
    await manager.dispose();
  });

  it('is configured under cache.persistent, paths from the file folder', () => {
    const config = parseConfig(
      {
        environments: { dev: { providers: [{ kind: 'env' }] } },
        cache: { persistent: { path: '.hush/cache', ttl: '24h' } },
      },
      { root: '/srv/app' },
    );
    expect(config.cache.persistent).toEqual({ path: '/srv/app/.hush/cache', ttl: '24h' });
    expect(() =>
      parseConfig({
        environments: { dev: { providers: [{ kind: 'env' }] } },
        cache: { persistent: { ttl: 'soon' } },
      }),
    ).toThrow(/cache\.persistent\.ttl/);
    expect(
      parseConfig(
        { environments: { dev: { providers: [{ kind: 'env' }] } }, cache: { persistent: true } },
        { root: '/a' },
      ).cache.persistent,
    ).toEqual({ path: '/a/.hush/cache' });
  });
});
