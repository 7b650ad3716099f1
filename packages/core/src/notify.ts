import { createHmac, randomUUID } from 'node:crypto';
import { parseDuration } from './duration.js';
import type { Notice, NoticeEvent } from './notice.js';
import type { Duration } from './types.js';

/** The header that carries a webhook body's HMAC-SHA256, as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'x-hush-signature-256';

/** A webhook sink: an HTTP POST of the notice as JSON, signed with a shared key. */
export interface WebhookSink {
  url: string;
  /** The shared key of the HMAC-SHA256 signature (`X-Hush-Signature-256: sha256=<hex of the body>`). */
  key: string;
  /** Attempts after the first when the receiver is unreachable or answers 5xx or 429 (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled each time (default 1s). */
  backoff?: Duration;
  /** Longest one attempt may take (default 10s). */
  timeout?: Duration;
}

/** A command sink: the program runs with the notice as JSON on stdin; exit 0 is delivered. */
export interface CommandSink {
  /** The program and its arguments (run without a shell). */
  command: string[];
  timeout?: Duration;
}

export interface NotifierOptions {
  webhooks?: WebhookSink[];
  commands?: CommandSink[];
  /** Write each notice as one JSON line to this function (the log sink); `true` for stderr. */
  log?: boolean | ((line: string) => void);
  /** Only these events are sent (default all). */
  events?: NoticeEvent[];
  /** For tests: the waits between retries (default a timer). */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

/** What happened to one notice at one sink. */
export interface Delivery {
  sink: string;
  ok: boolean;
  attempts: number;
  /** Why it failed (a status code, a network error code, an exit status); never a value. */
  error?: string;
}

/**
 * Sends notices to every configured sink at once: webhooks (signed, retried with exponential
 * backoff on network errors, 5xx and 429), commands (the JSON on stdin) and the log. A notice
 * carries names and times only; the notifier adds nothing else.
 */
export class Notifier {
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #fetch: typeof fetch;

  constructor(private readonly options: NotifierOptions) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#fetch = options.fetch ?? fetch;
  }

  /** True when at least one sink is configured. */
  get active(): boolean {
    const { webhooks, commands, log } = this.options;
    return Boolean(webhooks?.length || commands?.length || log);
  }

  /** Delivers one notice to every sink; resolves to each sink's outcome (never throws). */
  async notify(notice: Notice): Promise<Delivery[]> {
    if (this.options.events && !this.options.events.includes(notice.event)) return [];
    const body = JSON.stringify(notice);
    const deliveries: Promise<Delivery>[] = [];
    for (const webhook of this.options.webhooks ?? []) deliveries.push(this.#post(webhook, body, notice));
    for (const command of this.options.commands ?? []) deliveries.push(runCommand(command, body));
    const log = this.options.log;
    if (log) {
      const line = `hush notice ${body}`;
      if (typeof log === 'function') log(line);
      else process.stderr.write(`${line}\n`);
      deliveries.push(Promise.resolve({ sink: 'log', ok: true, attempts: 1 }));
    }
    return Promise.all(deliveries);
  }

  async #post(sink: WebhookSink, body: string, notice: Notice): Promise<Delivery> {
    const name = `webhook ${safeUrl(sink.url)}`;
    const retries = Math.max(0, sink.retries ?? 3);
    const timeoutMs = parseDuration(sink.timeout ?? '10s');
    let backoffMs = parseDuration(sink.backoff ?? '1s');
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'hush-notifier',
      'x-hush-event': notice.event,
      'x-hush-delivery': randomUUID(),
      [SIGNATURE_HEADER]: signBody(body, sink.key),
    };
    let error = '';
    for (let attempt = 1; ; attempt++) {
      let retryable: boolean;
      try {
        const response = await this.#fetch(sink.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return { sink: name, ok: true, attempts: attempt };
        error = `HTTP ${response.status}`;
        retryable = response.status >= 500 || response.status === 429;
      } catch (thrown) {
        error = networkError(thrown);
        retryable = true;
      }
      if (!retryable || attempt > retries) return { sink: name, ok: false, attempts: attempt, error };
      await this.#sleep(backoffMs);
      backoffMs *= 2;
    }
  }
}

/** `sha256=<hex>` of the body under the key: what a receiver recomputes to trust a notice. */
export function signBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

async function runCommand(sink: CommandSink, body: string): Promise<Delivery> {
  const name = `command ${sink.command[0]}`;
  // Loaded when a command sink runs: most processes never start one.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(sink.command[0]!, sink.command.slice(1), {
      stdio: ['pipe', 'ignore', 'ignore'],
      timeout: parseDuration(sink.timeout ?? '30s'),
    });
    child.on('error', (error) => resolve({ sink: name, ok: false, attempts: 1, error: networkError(error) }));
    child.on('close', (code, signal) =>
      resolve(
        code === 0
          ? { sink: name, ok: true, attempts: 1 }
          : { sink: name, ok: false, attempts: 1, error: signal ? `killed by ${signal}` : `exit ${code}` },
      ),
    );
    child.stdin.on('error', () => {
      // A program that does not read its stdin: its exit status says the rest.
    });
    child.stdin.end(body);
  });
}

/** The URL without credentials or query (which may hold a token) for reports. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException).code ?? (error as Error).name;
  return String(code ?? 'error');
}
