import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const KEY = 'cli-webhook-shared-key-4a7f';
const API_KEY = plant('cli-n0tify-api-key');

interface Received {
  event: Record<string, unknown>;
  body: string;
  signed: boolean;
}

/** Notices through hush: a receiver on loopback checks every signature and every body. */
describe('hush notify test, and the notices of hush rotate --due', () => {
  const received: Received[] = [];
  const statuses: number[] = [];
  let server: Server;
  let url = '';
  const { run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers: [{ kind: local }]',
      'audit: { enabled: true }',
      'notifications:',
      "  webhook: { url: '${env:HOOK_URL}', key: '${env:HOOK_KEY}', retries: 0 }",
      '  log: true',
      '  failedReads: { threshold: 2, window: 24h }',
      '',
    ].join('\n'),
  });
  const withHook = (args: string[], extra: { input?: string; env?: Record<string, string> } = {}) =>
    run(args, {
      env: { HOOK_URL: url, HOOK_KEY: KEY, ...extra.env },
      ...(extra.input !== undefined ? { input: extra.input } : {}),
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = Buffer.from(`sha256=${createHmac('sha256', KEY).update(body).digest('hex')}`);
        const given = Buffer.from(String(req.headers['x-hush-signature-256'] ?? ''));
        received.push({
          body,
          event: JSON.parse(body),
          signed: given.length === expected.length && timingSafeEqual(given, expected),
        });
        res.statusCode = statuses.shift() ?? 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hush`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('notify test delivers a signed notify.test to the webhook and the log', async () => {
    const result = await withHook(['notify', 'test']);
    expect(result.code, result.stderr).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]!.signed).toBe(true);
    expect(received[0]!.event).toMatchObject({ event: 'notify.test', environment: 'dev' });
    expect(result.stdout).toMatch(/✓ webhook http:\/\/127\.0\.0\.1:\d+\/hush \(1 attempt\)/);
    expect(result.stderr).toMatch(/hush notice \{"event":"notify.test"/);
  });

  it('a sink that refuses the test notice makes notify test exit 1, naming it', async () => {
    statuses.push(500);
    const result = await withHook(['notify', 'test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('HTTP 500 after 1 attempt');
  });

  it('rotate --due sends secret.rotated, signed and without any value', async () => {
    expect((await withHook(['set', 'api-key', '--tag', 'rotation=1ms'], { input: API_KEY })).code).toBe(0);
    const result = await withHook(['rotate', '--due']);
    expect(result.code, result.stderr).toBe(0);
    const rotatedValue = (await withHook(['get', 'api-key'])).stdout.trim();
    const rotated = received.filter((r) => r.event.event === 'secret.rotated');
    expect(rotated).toHaveLength(1);
    expect(rotated[0]!.event).toMatchObject({ secret: 'api-key', version: '2', previousVersion: '1' });
    for (const r of received) {
      expect(r.signed).toBe(true);
      expect(r.body).not.toContain(API_KEY);
      expect(r.body).not.toContain(rotatedValue);
    }
    expect(result.stderr).not.toContain(rotatedValue);
  });

  it('more failed reads than the threshold by one accessor send access.failed_burst, from the audit log', async () => {
    for (let i = 0; i < 3; i++) {
      const miss = await withHook(['get', `no-such-${i}`], { env: { HUSH_ACCESSOR: 'mallory' } });
      expect(miss.code).toBe(3);
    }
    const result = await withHook(['rotate', '--due']);
    expect(result.code, result.stderr).toBe(0);
    const bursts = received.filter((r) => r.event.event === 'access.failed_burst');
    expect(bursts.map((b) => b.event.accessor)).toEqual(['mallory']);
    expect(bursts[0]!.event).toMatchObject({ count: 3, environment: 'dev' });
    expect(bursts[0]!.signed).toBe(true);
  });
});
