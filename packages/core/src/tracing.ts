import type { Attributes, Span } from '@opentelemetry/api';
import { HushError } from './errors.js';

type Api = typeof import('@opentelemetry/api');

/** `@opentelemetry/api`, once loaded; undefined while loading and when it is not installed. */
let api: Api | undefined;
let loading: Promise<void> | undefined;
let settled = false;

const TRACER = '@hush/core';

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps what was registered with it (a tracer
 * provider, a context manager, a logger). While it is empty nothing can make a span, so the API
 * is not loaded at all: importing it costs a short-lived command more than the rest of its work.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

function otelRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] !== undefined;
}

/**
 * Loads `@opentelemetry/api` (an optional peer) once per process, once something registered with
 * it. Without it, tracing is off and costs nothing; with it but no SDK registered, its tracer is a
 * no-op.
 */
export function loadTracing(): Promise<void> {
  if (!loading && !otelRegistered()) return Promise.resolve();
  loading ??= import('@opentelemetry/api').then(
    (mod) => {
      // The CommonJS build reaches the module through `default`.
      api = mod.trace ? mod : (mod as unknown as { default: Api }).default;
      noop = new api.ProxyTracerProvider().getDelegate();
    },
    () => undefined,
  );
  void loading.then(() => {
    settled = true;
  });
  return loading;
}

/**
 * True once the attempt to load the API is over (whether it is there or not), and while nothing
 * is registered with it (an SDK registered later is picked up by the next operation).
 */
export function tracingSettled(): boolean {
  return settled || (!loading && !otelRegistered());
}

/** The API's no-op provider, what the global one delegates to until an SDK is registered. */
let noop: unknown;

/**
 * True when the OpenTelemetry API is loaded and an SDK registered a tracer provider: operations
 * and provider calls then make spans. Checked per operation (an SDK may be registered later),
 * and cheap, so that cached reads stay fast when nobody traces.
 */
export function tracingActive(): boolean {
  if (!api) return false;
  const provider = api.trace.getTracerProvider();
  return !(provider instanceof api.ProxyTracerProvider) || provider.getDelegate() !== noop;
}

/** What an operation's span records when it ends (never a value; the name only with traceNames). */
export interface SpanOutcome {
  outcome?: string;
  cached?: boolean;
  provider?: string;
  errorCode?: string;
}

/** An operation's span, current while its work runs so that provider calls nest under it. */
export class OperationSpan {
  private constructor(private readonly span: Span) {}

  static start(operation: string, name: string | undefined, traceNames: boolean): OperationSpan | undefined {
    if (!api || !tracingActive()) return undefined;
    const attributes: Attributes = { 'hush.operation': operation };
    if (traceNames && name !== undefined) attributes['hush.secret.name'] = name;
    return new OperationSpan(api.trace.getTracer(TRACER).startSpan(`hush.${operation}`, { attributes }));
  }

  /** Runs `work` with this span current. */
  within<T>(work: () => Promise<T>): Promise<T> {
    if (!api) return work();
    return api.context.with(api.trace.setSpan(api.context.active(), this.span), work);
  }

  end(result: SpanOutcome, error?: unknown): void {
    const code = error === undefined ? undefined : (result.errorCode ?? errorCodeOf(error));
    const outcome = result.outcome ?? (code === undefined ? 'success' : outcomeOfCode(code));
    this.span.setAttribute('hush.outcome', outcome);
    if (result.cached !== undefined) this.span.setAttribute('hush.cache.hit', result.cached);
    if (result.provider !== undefined) this.span.setAttribute('hush.provider', result.provider);
    if (code !== undefined) {
      this.span.setAttribute('hush.error.code', code);
      // The code only: an error's message may name a secret.
      if (outcome === 'error') this.span.setStatus({ code: api!.SpanStatusCode.ERROR, message: code });
    }
    this.span.end();
  }
}

/** A provider call as a span (child of the operation's): provider, kind, method, outcome. */
export async function traceProviderCall<T>(
  provider: string,
  kind: string,
  method: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!api || !tracingActive()) return work();
  const tracer = api.trace.getTracer(TRACER);
  const attributes: Attributes = {
    'hush.operation': method,
    'hush.provider': provider,
    'hush.provider.kind': kind,
  };
  return tracer.startActiveSpan(`hush.provider.${method}`, { attributes }, async (span) => {
    try {
      const result = await work();
      span.setAttribute('hush.outcome', result === null ? 'not_found' : 'success');
      return result;
    } catch (error) {
      const code = errorCodeOf(error);
      span.setAttribute('hush.outcome', outcomeOfCode(code));
      span.setAttribute('hush.error.code', code);
      span.setStatus({ code: api!.SpanStatusCode.ERROR, message: code });
      throw error;
    } finally {
      span.end();
    }
  });
}

function errorCodeOf(error: unknown): string {
  return error instanceof HushError ? error.code : 'ERROR';
}

function outcomeOfCode(code: string): string {
  return code === 'SECRET_NOT_FOUND' ? 'not_found' : code === 'ACCESS_DENIED' ? 'denied' : 'error';
}
