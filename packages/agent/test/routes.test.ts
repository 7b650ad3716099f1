import { describe, expect, it } from 'vitest';
import { agentOver, call } from './support.js';

// A plain read (`GET /v1/secret/NAME`) has a path of its own in the agent: its answer must be
// the general route's, byte for byte, and follow the cache entry it was prepared from.

const PLANTED = 'planted-route-value-7d1ce';

describe('plain reads', () => {
  it('answer as the general route does, whatever form the path takes', async () => {
    const { socket } = await agentOver({ k: PLANTED, 'db/x': 'db-value' });
    const plain = await call({ socket }, '/v1/secret/k');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(plain.body)));
    expect(plain.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(plain.body).secret).toMatchObject({ key: 'k', value: PLANTED, version: '1' });
    // Paths a URL parser decodes or normalises go through the general route, to the same answer.
    for (const path of ['/v1/secret/./k', '/v1/secret/%6B', '/v1/secret/k?', '/v1/secret/x/../k'])
      expect((await call({ socket }, path)).body, path).toBe(plain.body);
    expect(JSON.parse((await call({ socket }, '/v1/secret/db%2Fx')).body).secret.value).toBe('db-value');
    expect((await call({ socket }, '/v1/secret/k?version=1')).status).toBe(200);
    const head = await call({ socket }, '/v1/secret/k', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const [path, code] of [
      ['/v1/secret/a//b', 'INVALID_SECRET_NAME'],
      ['/v1/secret/', 'INVALID_SECRET_NAME'],
      ['/v1/secret/missing', 'SECRET_NOT_FOUND'],
    ] as const)
      expect(JSON.parse((await call({ socket }, path)).body).error.code, path).toBe(code);
  });

  it('serve a new answer once the cache entry is replaced', async () => {
    let clock = 5_000_000;
    const { socket, backend } = await agentOver(
      { k: 'first-value' },
      { cache: { ttl: 1_000 }, now: () => clock },
    );
    const read = async () => JSON.parse((await call({ socket }, '/v1/secret/k')).body).secret.value;
    expect(await read()).toBe('first-value');
    backend.seed({ k: 'second-value' });
    expect(await read()).toBe('first-value');
    clock += 1_001;
    expect(await read()).toBe('second-value');
    expect(await read()).toBe('second-value');
  });

  it('count in the metrics like any other request, and the metrics carry their length', async () => {
    const { socket } = await agentOver({ k: PLANTED });
    for (let i = 0; i < 3; i++) await call({ socket }, '/v1/secret/k');
    await call({ socket }, '/v1/secret/missing');
    const metrics = await call({ socket }, '/v1/metrics');
    expect(metrics.headers['content-length']).toBe(String(Buffer.byteLength(metrics.body)));
    expect(metrics.body).toMatch(/^hush_agent_requests_total\{route="secret",status="200"\} 3$/m);
    expect(metrics.body).toMatch(/^hush_agent_requests_total\{route="secret",status="404"\} 1$/m);
    expect(metrics.body).not.toContain(PLANTED);
  });
});
