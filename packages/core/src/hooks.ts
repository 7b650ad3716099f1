import { randomUUID } from 'node:crypto';
import type { ManagerPlugin, Operation, OperationContext, OperationEvent } from './events.js';
import { monotonicMs } from './monotonic.js';
import type { SecretInfo } from './secret.js';

/** An operation's event while it runs: the work fills in outcome, provider, version, change. */
export type LiveEvent = OperationContext & Partial<Omit<OperationEvent, keyof OperationContext>>;

/**
 * Request ids: one random prefix per process and a counter, so that building one costs little.
 * The prefix is made on the first operation, not when core is loaded: the first random UUID of
 * a process fills Node's entropy cache, which a short command that never runs an operation of
 * the manager would pay for nothing.
 */
let idPrefix: string | undefined;
let idCounter = 0;

export function nextRequestId(): string {
  idPrefix ??= randomUUID().slice(0, 13);
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${idPrefix}-${idCounter}`;
}

/**
 * Calls `call` for each plugin in order, synchronously while they answer synchronously; from
 * the first that returns a promise on, waits for each. A synchronous throw is a rejection.
 */
function runEach(
  plugins: readonly ManagerPlugin[],
  call: (plugin: ManagerPlugin) => void | Promise<void>,
): void | Promise<void> {
  for (let i = 0; i < plugins.length; i++) {
    let pending: void | Promise<void>;
    try {
      pending = call(plugins[i]!);
    } catch (error) {
      return Promise.reject(error);
    }
    if (pending && typeof (pending as Promise<void>).then === 'function')
      return (async () => {
        await pending;
        for (let j = i + 1; j < plugins.length; j++) await call(plugins[j]!);
      })();
  }
}

/** The fields of a context given by the caller; undefined ones are left out of the event. */
export type ContextFields = Omit<OperationContext, 'requestId' | 'operation'>;

/**
 * The plugins of a manager and the calls into them. Without plugins, nothing here runs and no
 * event is ever built: `active` is what the hot paths check.
 */
export class Hooks {
  readonly #plugins: ManagerPlugin[];
  #before: ManagerPlugin[] = [];
  #after: ManagerPlugin[] = [];
  #serve: ManagerPlugin[] = [];
  #filters: ManagerPlugin[] = [];

  /** The manager's clock (epoch ms): events are stamped with it. */
  readonly #now: () => number;

  constructor(plugins: ManagerPlugin[], now: () => number = Date.now) {
    this.#now = now;
    this.#plugins = [];
    for (const plugin of plugins) this.add(plugin);
  }

  /** True when some plugin is registered: then operations build their events. */
  active = false;

  get plugins(): readonly ManagerPlugin[] {
    return this.#plugins;
  }

  add(plugin: ManagerPlugin): void {
    this.#plugins.push(plugin);
    this.#before = this.#plugins.filter((p) => p.before);
    this.#after = this.#plugins.filter((p) => p.after);
    this.#serve = this.#plugins.filter((p) => p.beforeServe);
    this.#filters = this.#plugins.filter((p) => p.filterList);
    this.active = this.#plugins.length > 0;
  }

  /** The event of one operation, built once and handed to `before`, `beforeServe` and `after`. */
  event(operation: Operation, fields: ContextFields): LiveEvent {
    const event: LiveEvent = { requestId: nextRequestId(), operation };
    if (fields.key !== undefined) event.key = fields.key;
    if (fields.provider !== undefined) event.provider = fields.provider;
    if (fields.accessor !== undefined) event.accessor = fields.accessor;
    if (fields.scope !== undefined) event.scope = fields.scope;
    if (fields.version !== undefined) event.version = fields.version;
    if (fields.pattern !== undefined) event.pattern = fields.pattern;
    return event;
  }

  /** Runs every `before`; returns a promise only when some plugin does (most checks are synchronous). */
  before(context: OperationContext): void | Promise<void> {
    return runEach(this.#before, (plugin) => plugin.before!(context));
  }

  /** Asks again, on the name the provider actually served, when it differs from the one asked. */
  beforeServe(context: OperationContext, served: SecretInfo): void | Promise<void> {
    if (served.canonicalName === undefined || served.canonicalName === context.key) return;
    return runEach(this.#serve, (plugin) => plugin.beforeServe!(context, served));
  }

  /** Completes the event (outcome, duration unless measured already, timestamp) and hands it to every `after`. */
  after(event: LiveEvent, started: number, durationMs?: number): void | Promise<void> {
    if (this.#after.length === 0) return;
    event.outcome ??= 'success';
    event.success = event.outcome === 'success';
    event.durationMs = durationMs ?? monotonicMs() - started;
    event.timestamp = new Date(this.#now());
    return runEach(this.#after, (plugin) => plugin.after!(event as OperationEvent));
  }

  async filterList(context: OperationContext, secrets: SecretInfo[]): Promise<SecretInfo[]> {
    let result = secrets;
    for (const plugin of this.#filters) result = await plugin.filterList!(context, result);
    return result;
  }

  metrics(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const plugin of this.#plugins) if (plugin.metrics) out[plugin.name] = plugin.metrics();
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#plugins.map((plugin) => plugin.dispose?.()));
  }
}
