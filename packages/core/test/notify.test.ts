import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryProvider } from '@hush/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Notice,
  Notifier,
  parseConfig,
  SecretManager,
  SecretRotator,
  SIGNATURE_HEADER,
} from '../src/index.js';

const KEY = 'shared-webhook-key-0123456789';
const PLANTED = 'planted-notify-value-9d2c';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  signed: boolean;
}

/** A receiver on loopback that checks each body's signature and answers from a script of statuses. */
function receiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(`sha256=${createHmac('sha256', KEY).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers[SIGNATURE_HEADER] ?? ''));
      const signed = given.length === expected.length && timingSafeEqual(given, expected);
      received.push({ headers: req.headers, body, signed });
      res.statusCode = statuses.shift() ?? 204;
      res.end();
    });
  });
  return {
    received,
    statuses,
    start: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hush`,
  };
}

const notice: Notice = { event: 'notify.test', at: new Date(0).toISOString(), environment: 'prod' };

describe('notices: webhook, command and log sinks', () => {
  const hook = receiver();
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  afterEach(() => {
    hook.received.length = 0;
    hook.statuses.length = 0;
    waits.length = 0;
  });

  it('POSTs the notice as JSON, signed with HMAC-SHA256 of the body under the shared key', async () => {
    const notifier = new Notifier({ webhooks: [{ url: hook.url(), key: KEY }], sleep });
    const [delivery] = await notifier.notify(notice);
    expect(delivery).toMatchObject({ ok: true, attempts: 1 });
    expect(hook.received).toHaveLength(1);
    const [got] = hook.received;
    expect(got!.signed).toBe(true);
    expect(JSON.parse(got!.body)).toEqual(notice);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-hush-event']).toBe('notify.test');
    // A receiver with another key does not accept it.
    const forged = `sha256=${createHmac('sha256', 'another-key-000000000').update(got!.body).digest('hex')}`;
    expect(got!.headers[SIGNATURE_HEADER]).not.toBe(forged);
  });

  it('retries 5xx and 429 with doubling backoff, and gives up after its retries', async () => {
    hook.statuses.push(503, 429);
    const notifier = new Notifier({
      webhooks: [{ url: hook.url(), key: KEY, retries: 3, backoff: '2s' }],
      sleep,
    });
    expect((await notifier.notify(notice))[0]).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toEqual([2000, 4000]);
    // Every attempt carries the same delivery id.
    expect(new Set(hook.received.map((r) => r.headers['x-hush-delivery'])).size).toBe(1);
    waits.length = 0;
    hook.received.length = 0;
    hook.statuses.push(500, 500, 500);
    const giveUp = new Notifier({ webhooks: [{ url: hook.url(), key: KEY, retries: 2 }], sleep });
    expect((await giveUp.notify(notice))[0]).toMatchObject({ ok: false, attempts: 3, error: 'HTTP 500' });
    expect(waits).toEqual([1000, 2000]);
  });

  it('does not retry a refusal (4xx); an unreachable receiver is retried, then reported', async () => {
    hook.statuses.push(401);
    const notifier = new Notifier({ webhooks: [{ url: hook.url(), key: KEY }], sleep });
    expect((await notifier.notify(notice))[0]).toMatchObject({ ok: false, attempts: 1, error: 'HTTP 401' });
    const closed = receiver();
    await closed.start();
    const url = closed.url();
    await closed.stop();
    const down = new Notifier({ webhooks: [{ url: `${url}?token=abc`, key: KEY, retries: 1 }], sleep });
    const [delivery] = await down.notify(notice);
    expect(delivery).toMatchObject({ ok: false, attempts: 2, error: 'ECONNREFUSED' });
    expect(delivery!.sink).not.toContain('token=abc');
  });

  it('a command gets the JSON on stdin; a failing one is reported with its exit status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-notify-'));
    try {
      const out = join(dir, 'notice.json');
      const copy = `require('fs').writeFileSync(${JSON.stringify(out)}, require('fs').readFileSync(0))`;
      const notifier = new Notifier({
        commands: [
          { command: [process.execPath, '-e', copy] },
          { command: [process.execPath, '-e', 'process.exit(3)'] },
        ],
      });
      const deliveries = await notifier.notify(notice);
      expect(deliveries.map((d) => d.ok)).toEqual([true, false]);
      expect(deliveries[1]!.error).toBe('exit 3');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(notice);
      const missing = new Notifier({ commands: [{ command: [join(dir, 'no-such-program')] }] });
      expect((await missing.notify(notice))[0]).toMatchObject({ ok: false, error: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the log sink writes one JSON line; events: filters what is sent', async () => {
    const lines: string[] = [];
    const notifier = new Notifier({ log: (line) => lines.push(line), events: ['secret.rotated'] });
    expect(await notifier.notify(notice)).toEqual([]);
    await notifier.notify({ ...notice, event: 'secret.rotated', secret: 'db/password' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hush notice \{"event":"secret\.rotated"/);
  });

  it('rotation notices reach the webhook signed, and no body holds a value', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const provider = new MemoryProvider({ name: 'primary' });
      const manager = new SecretManager({ providers: [provider] });
      await manager.setSecret('db/password', PLANTED, { tags: { rotation: '1d' } });
      await manager.setSecret('cert', PLANTED, { expiresAt: '3d' });
      vi.setSystemTime(Date.now() + 2 * 86_400_000);
      const notifier = new Notifier({ webhooks: [{ url: hook.url(), key: KEY }], sleep });
      const rotator = new SecretRotator(manager, {
        keepPrevious: '1h',
        onNotice: async (n) => void (await notifier.notify(n)),
      });
      await rotator.check();
      const rotatedValue = (await manager.getSecret('db/password', { required: true })).value;
      const events = hook.received.map((r) => JSON.parse(r.body).event).sort();
      expect(events).toEqual(['secret.expiring', 'secret.rotated']);
      for (const r of hook.received) {
        expect(r.signed).toBe(true);
        expect(r.body).not.toContain(PLANTED);
        expect(r.body).not.toContain(rotatedValue);
      }
      const rotated = JSON.parse(hook.received.find((r) => r.body.includes('secret.rotated'))!.body);
      expect(rotated).toMatchObject({ secret: 'db/password', version: '2', previousVersion: '1' });
      expect(Date.parse(rotated.previousUntil)).toBe(Date.now() + 3_600_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is configured under notifications:, problems named by path without quoting values', () => {
    const base = { environments: { dev: { providers: [{ kind: 'local' }] } } };
    const config = parseConfig({
      ...base,
      notifications: {
        webhook: { url: 'https://hooks.example.com/hush', key: KEY, retries: 5 },
        command: ['/usr/local/bin/page', '--team', 'ops'],
        log: true,
        failedReads: { threshold: 3, window: '1h' },
      },
    });
    expect(config.notifications).toEqual({
      webhooks: [{ url: 'https://hooks.example.com/hush', key: KEY, retries: 5 }],
      commands: [{ command: ['/usr/local/bin/page', '--team', 'ops'] }],
      log: true,
      failedReads: { threshold: 3, window: '1h' },
    });
    const bad = (notifications: unknown) => () => parseConfig({ ...base, notifications });
    expect(bad({ webhook: { url: 'ftp://x', key: KEY } })).toThrow(/notifications\.webhook\.url/);
    expect(bad({ webhook: { url: 'https://x', key: PLANTED.slice(0, 8) } })).toThrow(
      /notifications\.webhook\.key.*16 characters/,
    );
    expect(bad({ webhook: { url: 'https://x', key: PLANTED.slice(0, 8) } })).not.toThrow(PLANTED.slice(0, 8));
    expect(bad({ command: 'page me' })).toThrow(/notifications\.command/);
    expect(bad({ events: ['secret.leaked'] })).toThrow(/notifications\.events\[0\]/);
  });
});
