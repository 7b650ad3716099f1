import type { SecretMetrics } from '@hush/core';

/** The agent's own counters, beside the manager's. */
export interface AgentCounters {
  /** Requests answered, by route and status code. */
  requests: Map<string, number>;
  /** Requests refused before any work, by reason (token, forwarded, method, writes). */
  refused: Map<string, number>;
  reloads: { ok: number; failed: number };
  inflight: number;
  startedAt: number;
  /** Seconds spent keeping the event loop turning (`busyPoll`): what that option costs in CPU. */
  busyPollSeconds: number;
  /** Times polling stopped because another task wanted the CPU. */
  busyPollBackoffs: number;
}

type Labels = Record<string, string>;

/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: it is a small format
 * and the agent needs no registry. Names, never values, appear in labels.
 */
export class PrometheusText {
  readonly #lines: string[] = [];

  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): this {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    for (const [labels, value] of samples)
      this.#lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escaped = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([k, v]) => `${k}="${escaped(v)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Everything `/v1/metrics` shows: the agent's requests, then the manager's cache, tiers, operations and providers. */
export function renderMetrics(metrics: SecretMetrics, agent: AgentCounters, now = Date.now()): string {
  const text = new PrometheusText();
  agentMetrics(text, agent, now);
  cacheMetrics(text, metrics.cache);
  operationMetrics(text, metrics.operations);
  providerMetrics(text, metrics.providers);
  text.metric('hush_masked_values', 'gauge', 'Values the masker redacts.', [[{}, metrics.masking.values]]);
  return text.toString();
}

/** The agent's own requests, refusals, reloads and uptime. */
function agentMetrics(text: PrometheusText, agent: AgentCounters, now: number): void {
  const split = (map: Map<string, number>, names: [string, string]): Array<[Labels, number]> =>
    [...map].map(([key, value]) => {
      const [a, b] = key.split(' ');
      return [{ [names[0]]: a!, [names[1]]: b! }, value];
    });
  text
    .metric(
      'hush_agent_requests_total',
      'counter',
      'Requests answered, by route and status code.',
      split(agent.requests, ['route', 'status']),
    )
    .metric(
      'hush_agent_refused_total',
      'counter',
      'Requests refused before any work (missing or wrong token, X-Forwarded-For, writes off).',
      [...agent.refused].map(([reason, value]) => [{ reason }, value]),
    )
    .metric('hush_agent_inflight_requests', 'gauge', 'Requests being served now.', [[{}, agent.inflight]])
    .metric('hush_agent_reloads_total', 'counter', 'Configuration reloads (SIGHUP), by outcome.', [
      [{ outcome: 'ok' }, agent.reloads.ok],
      [{ outcome: 'failed' }, agent.reloads.failed],
    ])
    .metric(
      'hush_agent_busy_poll_seconds_total',
      'counter',
      'CPU seconds spent polling for the next request (--busy-poll; 0 when off).',
      [[{}, agent.busyPollSeconds]],
    )
    .metric(
      'hush_agent_busy_poll_backoffs_total',
      'counter',
      'Times polling stopped for 10 ms because another task wanted the CPU.',
      [[{}, agent.busyPollBackoffs]],
    )
    .metric('hush_agent_uptime_seconds', 'gauge', 'Seconds since the agent started.', [
      [{}, Math.round((now - agent.startedAt) / 1000)],
    ]);
}

/** The in-process cache, then each tier's counters under one metric per counter. */
function cacheMetrics(text: PrometheusText, cache: SecretMetrics['cache']): void {
  text
    .metric('hush_cache_hits_total', 'counter', 'Reads answered by the in-process cache.', [[{}, cache.hits]])
    .metric('hush_cache_misses_total', 'counter', 'Reads the in-process cache could not answer.', [
      [{}, cache.misses],
    ])
    .metric(
      'hush_cache_stale_served_total',
      'counter',
      'Stale values served because every provider failed.',
      [[{}, cache.staleServed]],
    )
    .metric('hush_cache_refreshes_total', 'counter', 'Background refreshes started (refresh-ahead).', [
      [{}, cache.refreshes],
    ])
    .metric('hush_cache_refresh_failures_total', 'counter', 'Background refreshes that failed.', [
      [{}, cache.refreshFailures],
    ])
    .metric('hush_cache_entries', 'gauge', 'Entries in the in-process cache.', [[{}, cache.size]]);
  const tiers = Object.entries(cache.tiers ?? {});
  const counters = [...new Set(tiers.flatMap(([, counts]) => Object.keys(counts)))];
  for (const counter of counters)
    text.metric(
      `hush_cache_tier_${snake(counter)}_total`,
      'counter',
      `Cache tier ${counter}.`,
      tiers.map(([tier, counts]) => [{ tier }, counts[counter] ?? 0]),
    );
}

function operationMetrics(text: PrometheusText, byOperation: SecretMetrics['operations']): void {
  const operations = Object.entries(byOperation);
  text
    .metric(
      'hush_operations_total',
      'counter',
      'Manager operations, by operation.',
      operations.map(([operation, o]) => [{ operation }, o.count]),
    )
    .metric(
      'hush_operation_errors_total',
      'counter',
      'Manager operations that failed.',
      operations.map(([operation, o]) => [{ operation }, o.errors]),
    )
    .metric(
      'hush_operation_latency_milliseconds',
      'gauge',
      'Latency of recent operations, by quantile.',
      operations.flatMap(([operation, o]) => quantiles({ operation }, o.latencyMs)),
    );
}

function providerMetrics(text: PrometheusText, byProvider: SecretMetrics['providers']): void {
  const providers = Object.entries(byProvider);
  text
    .metric(
      'hush_provider_calls_total',
      'counter',
      'Calls into each provider (each at least one backend request).',
      providers.map(([provider, p]) => [{ provider }, p.calls]),
    )
    .metric(
      'hush_provider_errors_total',
      'counter',
      'Provider calls that failed.',
      providers.map(([provider, p]) => [{ provider }, p.errors]),
    )
    .metric(
      'hush_provider_failovers_total',
      'counter',
      'Reads that moved past a failing provider.',
      providers.map(([provider, p]) => [{ provider }, p.failovers]),
    )
    .metric(
      'hush_provider_latency_milliseconds',
      'gauge',
      'Latency of recent provider calls, by quantile.',
      providers.flatMap(([provider, p]) => quantiles({ provider }, p.latencyMs)),
    );
}

function quantiles(
  labels: Labels,
  summary: { p50: number; p95: number; p99: number },
): Array<[Labels, number]> {
  return [
    [{ ...labels, quantile: '0.5' }, summary.p50],
    [{ ...labels, quantile: '0.95' }, summary.p95],
    [{ ...labels, quantile: '0.99' }, summary.p99],
  ];
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[^a-z0-9_]/g, '_');
}
