import { MemoryProvider } from '@hush/testkit';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretManager } from '../src/index.js';

const NAME = 'payments/stripe-live-key';
const VALUE = 'planted-traced-value-31c8';
const ROTATED_NAME = 'team-x/rotated-token';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** Everything a span holds, as text: what an exporter would ship. */
function dump(spans: ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })),
  );
}

function setup(traceNames?: boolean) {
  const primary = new MemoryProvider({ name: 'primary' });
  const backup = new MemoryProvider({ name: 'backup' });
  const manager = new SecretManager({
    providers: [primary, backup],
    defaultWriteProvider: 'primary',
    ...(traceNames !== undefined ? { traceNames } : {}),
  });
  return { primary, backup, manager };
}

describe('OpenTelemetry spans (the in-memory exporter)', () => {
  beforeAll(() => {
    trace.setGlobalTracerProvider(tracerProvider);
  });
  afterAll(async () => {
    await tracerProvider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('a span for every manager operation and provider call, with operation, provider, outcome and cache hit', async () => {
    const { manager } = setup();
    await manager.setSecret(NAME, VALUE);
    await manager.getSecret(NAME); // a miss: the provider is asked
    await manager.getSecret(NAME); // a hit
    expect(await manager.getSecret('missing/one')).toBeNull();
    await manager.listSecrets();
    await manager.rotateSecret(NAME);
    await manager.deleteSecret(NAME);
    const spans = exporter.getFinishedSpans();
    const ops = spans.filter((s) => !s.name.startsWith('hush.provider.'));
    expect(ops.map((s) => s.name)).toEqual([
      'hush.set',
      'hush.get',
      'hush.get',
      'hush.get',
      'hush.list',
      'hush.rotate',
      'hush.delete',
    ]);
    const [set, miss, hit, missing] = ops;
    expect(set!.attributes).toMatchObject({ 'hush.operation': 'set', 'hush.outcome': 'success' });
    expect(miss!.attributes).toMatchObject({ 'hush.outcome': 'success', 'hush.provider': 'primary' });
    expect(miss!.attributes['hush.cache.hit']).toBeUndefined();
    expect(hit!.attributes).toMatchObject({ 'hush.cache.hit': true, 'hush.provider': 'primary' });
    expect(missing!.attributes).toMatchObject({ 'hush.outcome': 'not_found' });
    const calls = spans.filter((s) => s.name.startsWith('hush.provider.'));
    expect(calls.map((s) => s.name)).toContain('hush.provider.set');
    expect(calls.map((s) => s.name)).toContain('hush.provider.list');
    const lookups = calls.filter((s) => s.name === 'hush.provider.get');
    // The missing secret is asked of both providers: two not_found calls.
    expect(
      lookups
        .filter((s) => s.attributes['hush.outcome'] === 'not_found')
        .map((s) => s.attributes['hush.provider']),
    ).toEqual(['primary', 'backup']);
    expect(lookups[0]!.attributes).toMatchObject({ 'hush.provider.kind': 'memory', 'hush.operation': 'get' });
  });

  it('never a name or a value on any span unless traceNames; never a value even then', async () => {
    const quiet = setup();
    await quiet.manager.setSecret(NAME, VALUE);
    await quiet.manager.getSecret(NAME);
    await quiet.manager.rotateSecret(ROTATED_NAME).catch(() => undefined);
    await quiet.manager.resolve({ url: `x-\${secret:${NAME}}` });
    let text = dump(exporter.getFinishedSpans());
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(5);
    for (const planted of [NAME, VALUE, ROTATED_NAME, 'payments', 'stripe'])
      expect(text).not.toContain(planted);

    exporter.reset();
    const named = setup(true);
    await named.manager.setSecret(NAME, VALUE);
    await named.manager.getSecret(NAME);
    text = dump(exporter.getFinishedSpans());
    const get = exporter.getFinishedSpans().find((s) => s.name === 'hush.get')!;
    expect(get.attributes['hush.secret.name']).toBe(NAME);
    expect(text).not.toContain(VALUE);
  });

  it('a failed provider call is an error span with its code, and the failover shows', async () => {
    const { manager, primary, backup } = setup();
    await backup.set(NAME, VALUE);
    primary.faults.outage = true;
    expect((await manager.getSecret(NAME))?.value).toBe(VALUE);
    const calls = exporter.getFinishedSpans().filter((s) => s.name === 'hush.provider.get');
    expect(calls.map((s) => [s.attributes['hush.provider'], s.attributes['hush.outcome']])).toEqual([
      ['primary', 'error'],
      ['backup', 'success'],
    ]);
    expect(calls[0]!.attributes['hush.error.code']).toBe('PROVIDER_UNAVAILABLE');
    expect(calls[0]!.status.code).toBe(2);
    const op = exporter.getFinishedSpans().find((s) => s.name === 'hush.get')!;
    expect(op.attributes).toMatchObject({ 'hush.outcome': 'success', 'hush.provider': 'backup' });
    backup.faults.outage = true;
    await expect(manager.getSecret('other')).rejects.toThrow();
    const failed = exporter
      .getFinishedSpans()
      .filter((s) => s.name === 'hush.get')
      .at(-1)!;
    expect(failed.attributes).toMatchObject({
      'hush.outcome': 'error',
      'hush.error.code': 'PROVIDER_UNAVAILABLE',
    });
    expect(dump(exporter.getFinishedSpans())).not.toContain(VALUE);
  });
});
