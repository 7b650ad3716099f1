import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  ConfigError,
  type ProviderSetOptions,
  ProviderUnavailableError,
  SecretManager,
  UnsupportedOperationError,
} from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { parseListen, startAgent, TOKEN_HEADER, unchangedProviders } from '../src/index.js';
import { agentOver, appManager, call, logLines, socketFolder } from './support.js';

const PLANTED = 'planted-agent-value-41c0ffee';

describe('the Unix socket', () => {
  it('is created 0600 in a folder created 0700', async () => {
    const { socket } = await agentOver({ k: 'v' });
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(statSync(socket).isSocket()).toBe(true);
  });

  it('refuses a folder open to others, as ssh refuses a loose key', async () => {
    const folder = socketFolder();
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const error = await startAgent({
      load: async () => ({ manager: new SecretManager({ providers: [new MemoryProvider()] }) }),
      socket: join(folder, 'agent.sock'),
      log: () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/open to others \(mode 755\)/);
  });

  it('replaces a socket file left by a dead agent, and refuses to share one with a live agent', async () => {
    const folder = socketFolder();
    mkdirSync(folder, { mode: 0o700 });
    const path = join(folder, 'agent.sock');
    // A socket nobody listens on any more (its server closed without removing it).
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(path, resolve));
    writeFileSync(join(folder, 'marker'), '');
    await new Promise<void>((resolve) => {
      // Closing a Unix server unlinks its file; put back a dead file of the same name.
      stale.close(() => resolve());
    });
    writeFileSync(path, '');
    const { agent } = await agentOver({ k: 'v' }, { socket: path });
    expect((await call({ socket: path }, '/v1/secret/k')).status).toBe(200);
    const second = await startAgent({
      load: async () => ({ manager: new SecretManager({ providers: [new MemoryProvider()] }) }),
      socket: path,
      log: () => undefined,
    }).catch((e: unknown) => e);
    expect(String((second as Error).message)).toMatch(/another agent is listening/);
    await agent.stop();
    expect(() => statSync(path)).toThrow();
  });
});

describe('the loopback listener', () => {
  it('binds loopback only', () => {
    expect(parseListen('127.0.0.1:2773')).toEqual({ host: '127.0.0.1', port: 2773 });
    expect(parseListen('[::1]:2773')).toEqual({ host: '::1', port: 2773 });
    expect(parseListen('localhost:0')).toEqual({ host: '127.0.0.1', port: 0 });
    for (const bad of ['0.0.0.0:2773', '10.0.0.5:2773', 'example.com:80', '2773', '127.0.0.1:99999'])
      expect(() => parseListen(bad)).toThrow(ConfigError);
  });

  it('requires the token on every request; the token file is 0600', async () => {
    const { agent } = await agentOver({ k: PLANTED }, { listen: '127.0.0.1:0' });
    const url = agent.url!;
    expect(statSync(agent.tokenFile!).mode & 0o777).toBe(0o600);
    const token = readFileSync(agent.tokenFile!, 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(43);
    const without = await call({ url }, '/v1/secret/k');
    expect(without.status).toBe(401);
    expect(without.body).not.toContain(PLANTED);
    const wrong = await call({ url }, '/v1/secret/k', {
      headers: { [TOKEN_HEADER]: `${token.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    for (const path of ['/v1/health', '/v1/metrics', '/v1/secrets?names=k'])
      expect((await call({ url }, path)).status).toBe(401);
    const right = await call({ url }, '/v1/secret/k', { headers: { [TOKEN_HEADER]: token } });
    expect(right.status).toBe(200);
    expect(JSON.parse(right.body).secret.value).toBe(PLANTED);
  });

  it('refuses X-Forwarded-For (and Forwarded) on the listener and on the socket, even with the token', async () => {
    const { agent, socket } = await agentOver({ k: PLANTED }, { listen: '127.0.0.1:0' });
    const token = readFileSync(agent.tokenFile!, 'utf8').trim();
    const forwarded = await call({ url: agent.url! }, '/v1/secret/k', {
      headers: { [TOKEN_HEADER]: token, 'X-Forwarded-For': '203.0.113.7' },
    });
    expect(forwarded.status).toBe(403);
    expect(JSON.parse(forwarded.body).error.code).toBe('FORWARDED_REFUSED');
    expect(
      (await call({ socket }, '/v1/secret/k', { headers: { 'X-Forwarded-For': '10.0.0.1' } })).status,
    ).toBe(403);
    expect((await call({ socket }, '/v1/secret/k', { headers: { Forwarded: 'for=10.0.0.1' } })).status).toBe(
      403,
    );
    const metrics = (await call({ socket }, '/v1/metrics')).body;
    expect(metrics).toContain('hush_agent_refused_total{reason="forwarded"} 3');
  });
});

describe('reads through the agent provider', () => {
  it('get, version, field, batch, list and versions', async () => {
    const { socket, backend } = await agentOver({
      'db/creds': JSON.stringify({ user: 'app', password: PLANTED }),
    });
    backend.seed({ 'db/creds': JSON.stringify({ user: 'app2', password: PLANTED }), other: 'other-value' });
    const app = appManager(socket, new MemoryProvider({ name: 'direct' }));
    const secret = await app.getSecret('db/creds', { required: true });
    expect(secret.provider).toBe('agent');
    expect(JSON.parse(secret.value).user).toBe('app2');
    expect((await app.getSecretVersion('db/creds', 1)).value).toContain('"app"');
    expect((await app.getSecret('db/creds#password'))?.value).toBe(PLANTED);
    const many = await app.getSecrets(['db/creds', 'other', 'missing']);
    expect(many.get('other')?.value).toBe('other-value');
    expect(many.get('missing')).toBeNull();
    expect((await app.listSecrets()).map((s) => s.key)).toEqual(['db/creds', 'other']);
    expect((await app.getSecretVersions('db/creds')).length).toBe(2);
    expect(await app.getSecret('missing')).toBeNull();
    await app.dispose();
  });

  it('writes are off by default; with allowWrites they go through and the agent cache is dropped', async () => {
    const readOnly = await agentOver({ k: 'v1' });
    const refused = await call({ socket: readOnly.socket }, '/v1/secret/k', {
      method: 'PUT',
      body: JSON.stringify({ value: PLANTED }),
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('WRITES_DISABLED');
    const writer = new SecretManager({
      providers: [appManager(readOnly.socket, new MemoryProvider()).getProvider('agent')!],
    });
    await expect(writer.setSecret('k', PLANTED)).rejects.toBeInstanceOf(UnsupportedOperationError);
    const forced = appManager(readOnly.socket, new MemoryProvider(), { writes: true });
    await expect(forced.setSecret('k', PLANTED, { provider: 'agent' })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    expect((await readOnly.manager.getSecret('k'))?.value).toBe('v1');

    const open = await agentOver({ k: 'v1' }, { allowWrites: true });
    const app = appManager(open.socket, new MemoryProvider(), { writes: true });
    expect((await app.getSecret('k'))?.value).toBe('v1');
    await app.setSecret('k', 'v2', { provider: 'agent' });
    expect((await app.getSecret('k'))?.value).toBe('v2');
    expect((await open.manager.getSecret('k'))?.value).toBe('v2');
    await app.rotateSecret('k', { newValue: 'v3', provider: 'agent' });
    expect((await open.backend.get('k'))?.value).toBe('v3');
    await app.deleteSecret('k', { provider: 'agent' });
    expect(await open.backend.get('k')).toBeNull();
    await app.dispose();
  });

  it('a rotation with expireOldVersion goes through, and the backend is asked to expire the old versions', async () => {
    const open = await agentOver({ k: 'v1' }, { allowWrites: true });
    const asked: ProviderSetOptions[] = [];
    const set = open.backend.set.bind(open.backend);
    open.backend.set = (key, value, options = {}) => {
      asked.push(options);
      return set(key, value, options);
    };
    const app = appManager(open.socket, new MemoryProvider(), { writes: true });
    await app.rotateSecret('k', { newValue: 'v2', provider: 'agent', expireOldVersion: true });
    expect((await open.backend.get('k'))?.value).toBe('v2');
    expect(asked.map((options) => options.expirePreviousVersions)).toEqual([true]);
    await app.setSecret('k', 'v3', { provider: 'agent' });
    expect(asked.at(-1)?.expirePreviousVersions).toBeUndefined();
    await app.dispose();
  });

  it('a cached read is served by the agent without a backend call', async () => {
    const { socket, backend } = await agentOver({ k: 'v' });
    const apps = [1, 2, 3].map(() => appManager(socket, new MemoryProvider()));
    for (const app of apps) for (let i = 0; i < 5; i++) expect((await app.getSecret('k'))?.value).toBe('v');
    expect(backend.calls.get).toBe(1);
    await Promise.all(apps.map((app) => app.dispose()));
  });
});

describe('failover', () => {
  it('an app falls over to its own chain when the agent is down, and back when it returns', async () => {
    const { agent, socket } = await agentOver({ k: 'from-agent' });
    const direct = new MemoryProvider({ name: 'direct', secrets: { k: 'from-direct' } });
    const app = appManager(socket, direct);
    expect((await app.getSecret('k'))?.provider).toBe('agent');
    await agent.stop();
    // `fresh` skips the app's own cache, so that each read walks the chain.
    for (let i = 0; i < 5; i++) expect((await app.getSecret('k', { fresh: true }))?.provider).toBe('direct');
    const health = await app.healthCheck();
    expect(health.providers.find((p) => p.name === 'agent')?.status).toBe('unhealthy');
    expect((await app.getMetrics()).providers.agent?.failovers).toBeGreaterThanOrEqual(5);
    await agentOver({ k: 'from-agent' }, { socket });
    expect((await app.getSecret('k', { fresh: true }))?.provider).toBe('agent');
    await app.dispose();
  });

  it('an agent whose backends are all down still starts: reads answer 503 and apps fall over', async () => {
    const down = new MemoryProvider({ secrets: { k: 'from-backend' } });
    (down as { initialize?: () => Promise<void> }).initialize = async () => {
      throw new ProviderUnavailableError('backend down', [
        { provider: 'memory', code: 'ECONNREFUSED', message: 'down' },
      ]);
    };
    down.faults = { outage: true };
    const agent = await startAgent({
      load: async () => ({ manager: new SecretManager({ providers: [down] }) }),
      socket: join(socketFolder(), 'agent.sock'),
      log: (line) => logLines.push(line),
    });
    const reply = await call({ socket: agent.socketPath! }, '/v1/secret/k');
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.body).error.code).toBe('PROVIDER_UNAVAILABLE');
    const app = appManager(
      agent.socketPath!,
      new MemoryProvider({ name: 'direct', secrets: { k: 'from-direct' } }),
    );
    expect((await app.getSecret('k'))?.provider).toBe('direct');
    await app.dispose();
    await agent.stop();
  });

  it('an app whose agent never started reads from its own chain at once', async () => {
    const direct = new MemoryProvider({ name: 'direct', secrets: { k: 'from-direct' } });
    const app = appManager(join(socketFolder(), 'none.sock'), direct);
    const started = performance.now();
    expect((await app.getSecret('k'))?.value).toBe('from-direct');
    expect(performance.now() - started).toBeLessThan(1_000);
    await app.dispose();
  });
});

describe('refresh-ahead', () => {
  it('a read in the last 20% of the TTL is answered cached and refreshes in the background', async () => {
    let clock = 1_000_000;
    const { socket, backend } = await agentOver({ k: 'v1' }, { cache: { ttl: 10_000 }, now: () => clock });
    const app = appManager(socket, new MemoryProvider());
    expect((await app.getSecret('k'))?.value).toBe('v1');
    backend.seed({ k: 'v2' });
    clock += 7_000; // 70%: not yet
    expect((await app.getSecret('k'))?.value).toBe('v1');
    expect(backend.calls.get).toBe(1);
    clock += 1_500; // 85%: served cached, refreshed behind
    expect((await app.getSecret('k'))?.value).toBe('v1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(backend.calls.get).toBe(2);
    clock += 5_000; // past the first TTL: the refreshed entry answers, no miss
    expect((await app.getSecret('k'))?.value).toBe('v2');
    expect(backend.calls.get).toBe(2);
    const metrics = (await call({ socket }, '/v1/metrics')).body;
    expect(metrics).toMatch(/^hush_cache_refreshes_total 1$/m);
    await app.dispose();
  });
});

describe('reload', () => {
  it('keeps the cache of providers left unchanged, and drops the rest', async () => {
    const kept = new MemoryProvider({ name: 'kept', secrets: { a: 'value-a' } });
    const changed = new MemoryProvider({ name: 'changed', secrets: { b: 'value-b' } });
    let generation = 0;
    const configs = [
      [
        { kind: 'memory', name: 'kept', options: {} },
        { kind: 'memory', name: 'changed', options: { x: 1 } },
      ],
      [
        { kind: 'memory', name: 'kept', options: {} },
        { kind: 'memory', name: 'changed', options: { x: 2 } },
      ],
    ];
    const agent = await startAgent({
      load: async () => ({
        manager: new SecretManager({ providers: [kept, changed] }),
        providers: configs[Math.min(generation++, 1)]!,
      }),
      socket: join(socketFolder(), 'agent.sock'),
      log: (line) => logLines.push(line),
    });
    const socket = agent.socketPath!;
    await call({ socket }, '/v1/secret/a');
    await call({ socket }, '/v1/secret/b');
    const before = [kept.calls.get, changed.calls.get];
    const result = await agent.reload();
    expect(result).toEqual({ kept: 1, providers: ['kept'] });
    expect(JSON.parse((await call({ socket }, '/v1/secret/a')).body).secret.value).toBe('value-a');
    expect(JSON.parse((await call({ socket }, '/v1/secret/b')).body).secret.value).toBe('value-b');
    expect(kept.calls.get! - before[0]!).toBe(1); // b was asked of kept again (not a), then of changed
    expect(changed.calls.get! - before[1]!).toBe(1);
    await agent.stop();
  });

  it('a reload that fails leaves the running manager in place', async () => {
    let fail = false;
    const backend = new MemoryProvider({ secrets: { k: 'v' } });
    const agent = await startAgent({
      load: async () => {
        if (fail) throw new ConfigError('bad configuration', { path: 'environments' });
        return { manager: new SecretManager({ providers: [backend] }) };
      },
      socket: join(socketFolder(), 'agent.sock'),
      log: (line) => logLines.push(line),
    });
    fail = true;
    await expect(agent.reload()).rejects.toBeInstanceOf(ConfigError);
    expect((await call({ socket: agent.socketPath! }, '/v1/secret/k')).status).toBe(200);
    await agent.stop();
  });

  it('compares providers in chain order and stops at the first change', () => {
    const p = (name: string, options: Record<string, unknown> = {}, priority?: number) => ({
      kind: 'memory',
      name,
      options,
      ...(priority !== undefined ? { priority } : {}),
    });
    expect(unchangedProviders([p('a'), p('b')], [p('a'), p('b')])).toEqual(['a', 'b']);
    expect(unchangedProviders([p('a'), p('b')], [p('a', { x: 1 }), p('b')])).toEqual([]);
    expect(unchangedProviders([p('a'), p('b')], [p('new'), p('a'), p('b')])).toEqual([]);
    expect(unchangedProviders([p('a'), p('b')], [p('a'), p('b'), p('c')])).toEqual(['a', 'b']);
    expect(unchangedProviders([p('b', {}, 1), p('a', {}, 2)], [p('a', {}, 2), p('b', {}, 1)])).toEqual([
      'a',
      'b',
    ]);
  });
});

describe('stop', () => {
  it('finishes requests in flight before it releases the manager', async () => {
    const { agent, socket, backend, manager } = await agentOver({ slow: 'slow-value' });
    backend.faults = { latencyMs: 300 };
    const inFlight = call({ socket }, '/v1/secret/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = agent.stop();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).secret.value).toBe('slow-value');
    await stopped;
    await expect(manager.getSecret('slow')).rejects.toThrow(/disposed/);
    await expect(call({ socket }, '/v1/health')).rejects.toThrow();
  });
});

describe('logs and metrics', () => {
  it('the agent logs no value, and its metrics are Prometheus text', async () => {
    const { socket } = await agentOver({ k: PLANTED, 'db/x': PLANTED });
    await call({ socket }, '/v1/secret/k');
    await call({ socket }, '/v1/secret/k', { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    await call({ socket }, '/v1/secret/k', { method: 'PUT', body: JSON.stringify({ value: PLANTED }) });
    await call({ socket }, '/v1/secret/bad%20name');
    await call({ socket }, '/v1/secrets?names=k,db/x');
    const metrics = await call({ socket }, '/v1/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const line of metrics.body.trimEnd().split('\n'))
      expect(line).toMatch(
        /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? -?[0-9.e+]+)$/,
      );
    expect(metrics.body).toMatch(/^hush_agent_requests_total\{route="secret",status="200"\} 1$/m);
    expect(metrics.body).toMatch(/^hush_provider_calls_total\{provider="memory"\} \d+$/m);
    expect(metrics.body).not.toContain(PLANTED);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(PLANTED);
  });

  it('counts the time busy polling spends, and spends none when it is off', async () => {
    const busySeconds = (body: string) =>
      Number(/^hush_agent_busy_poll_seconds_total (\S+)$/m.exec(body)?.[1]);
    const polling = await agentOver({ k: PLANTED }, { busyPoll: '1s' });
    await call({ socket: polling.socket }, '/v1/secret/k');
    expect(busySeconds((await call({ socket: polling.socket }, '/v1/metrics')).body)).toBeGreaterThan(0);
    await polling.agent.stop(); // a stop ends the polling, or this process would turn until the window ends

    const quiet = await agentOver({ k: PLANTED }, { busyPoll: 0 });
    expect(quiet.agent.busyPollMs).toBe(0);
    await call({ socket: quiet.socket }, '/v1/secret/k');
    expect(busySeconds((await call({ socket: quiet.socket }, '/v1/metrics')).body)).toBe(0);
  });
});
