import type { Transform, TransformCallback } from 'node:stream';
import { encodedForms } from './mask-forms.js';
import { PatternSet } from './pattern-set.js';

export const MASK = '***';

/**
 * Values shorter than this are not masked: masking one or two characters would garble all
 * output (every `a` or `10` in it). Such values are never redacted, in text or in streams.
 */
export const MIN_MASKED_LENGTH = 3;

/** Values a masker keeps by default before it drops the oldest. */
export const DEFAULT_MAX_MASKED_VALUES = 10_000;

export interface MaskerOptions {
  /** What replaces a value (default `***`). */
  replacement?: string;
  /**
   * Most values kept (default 10,000); beyond it the oldest that is not pinned is dropped and
   * counted in `dropped`. Pinned values (those still in a cache) are never dropped.
   */
  maxValues?: number;
}

/** Masks output chunk by chunk, as it comes: see `Masker.createChunkMasker`. */
export interface ChunkMasker {
  /**
   * The chunk's bytes that can go out now, masked; a tail that the next chunk may complete into a
   * value is held back (so the result may be empty).
   */
  write(chunk: Buffer | string): Buffer;
  /** The output ended: the bytes held back, masked. */
  end(): Buffer;
}

interface StreamState {
  /**
   * Bytes at the start of the next input that belong to a run already replaced; 0 when a run
   * ended exactly at the cut (a match starting there continues it); -1 when none.
   */
  carried: number;
}

interface Run {
  start: number;
  end: number;
  /** Goes on from the previous round, whose output already holds its replacement. */
  continued: boolean;
}

const EMPTY = Buffer.alloc(0);

interface Entry {
  /** The forms as text (the count's key) and as the bytes matched. */
  forms: Array<{ text: string; bytes: Buffer }>;
  pins: number;
}

/**
 * Redacts known secret values, and their encoded forms, from text and byte streams. Works on
 * bytes, so binary output and multi-byte characters split across chunks are handled; a stream
 * holds back only a tail that the next chunk could complete into a value.
 */
export class Masker {
  readonly replacement: string;
  readonly maxValues: number;
  readonly #patterns = new PatternSet();
  /** Insertion order is age: the first entry is the oldest. */
  readonly #values = new Map<string, Entry>();
  /** How many times each form is registered (two values can share one). */
  readonly #formCounts = new Map<string, number>();
  readonly #replacementBytes: Buffer;
  #dropped = 0;

  constructor(values: Iterable<string> = [], options: string | MaskerOptions = {}) {
    const opts = typeof options === 'string' ? { replacement: options } : options;
    this.replacement = opts.replacement ?? MASK;
    this.maxValues = Math.max(1, opts.maxValues ?? DEFAULT_MAX_MASKED_VALUES);
    this.#replacementBytes = Buffer.from(this.replacement);
    for (const value of values) this.add(value);
  }

  /**
   * Registers a value. `pinned` keeps it until `release` (the manager pins what its cache holds).
   * Costs O(length of its forms): nothing is re-sorted.
   */
  add(value: string, options: { pinned?: boolean } = {}): void {
    if (typeof value !== 'string' || value.length < MIN_MASKED_LENGTH) return;
    const existing = this.#values.get(value);
    if (existing) {
      if (options.pinned) existing.pins++;
      return;
    }
    const forms = encodedForms(value, MIN_MASKED_LENGTH).map((text) => ({
      text,
      bytes: Buffer.from(text, 'utf8'),
    }));
    for (const form of forms) {
      const count = this.#formCounts.get(form.text) ?? 0;
      this.#formCounts.set(form.text, count + 1);
      if (count === 0) this.#patterns.add(form.bytes);
    }
    this.#values.set(value, { forms, pins: options.pinned ? 1 : 0 });
    if (this.#values.size > this.maxValues) this.#dropOldest(value);
  }

  /** Undoes one `add(value, { pinned: true })`; the value stays until the cap drops it. */
  release(value: string): void {
    const entry = this.#values.get(value);
    if (entry && entry.pins > 0) entry.pins--;
  }

  /** Values currently masked. */
  get size(): number {
    return this.#values.size;
  }

  /** Values dropped because the cap was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  mask(text: string): string {
    if (this.#patterns.size === 0 || text.length < MIN_MASKED_LENGTH) return text;
    const bytes = Buffer.from(text, 'utf8');
    const masked = this.maskBytes(bytes);
    return masked === bytes ? text : masked.toString('utf8');
  }

  /** Returns `bytes` itself when nothing in it is a value. */
  maskBytes(bytes: Buffer): Buffer {
    return this.#process(bytes, true, { carried: -1 }).out;
  }

  /** A Transform that masks a byte stream, values split across chunks included. */
  createStream(): Transform {
    const chunks = this.createChunkMasker();
    // node:stream is loaded here, not at import: a command that masks no stream never needs it.
    const { Transform } = process.getBuiltinModule('node:stream');
    return new Transform({
      transform: (chunk: Buffer | string, _encoding, done: TransformCallback) => {
        const out = chunks.write(chunk);
        done(null, out.length ? out : undefined);
      },
      flush: (done: TransformCallback) => {
        const out = chunks.end();
        done(null, out.length ? out : undefined);
      },
    });
  }

  /**
   * What `createStream` does, without a stream: for output that comes as events of its own (a
   * child's pipe, a pseudo-terminal), which then needs neither node:stream nor a stream's ticks.
   */
  createChunkMasker(): ChunkMasker {
    let pending: Buffer = EMPTY;
    const state: StreamState = { carried: -1 };
    return {
      write: (chunk) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        const input = pending.length ? Buffer.concat([pending, bytes]) : bytes;
        const { out, rest } = this.#process(input, false, state);
        pending = rest;
        return out;
      },
      end: () => {
        const { out } = this.#process(pending, true, state);
        pending = EMPTY;
        return out;
      },
    };
  }

  /**
   * Replaces every covered run; unless final, keeps back the tail that the next chunk may
   * complete into a value. A run that goes on past the kept tail has had its replacement
   * written already: its remaining bytes (`carried`) are swallowed in the next round.
   */
  #process(input: Buffer, final: boolean, state: StreamState): { out: Buffer; rest: Buffer } {
    const hold = final ? input.length : this.#patterns.holdFrom(input);
    const runs: Run[] = state.carried >= 0 ? [{ start: 0, end: state.carried, continued: true }] : [];
    this.#patterns.scan(input, 0, hold, (start, end) => {
      const last = runs.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else runs.push({ start, end, continued: false });
    });
    state.carried = -1;
    if (runs.length === 0 && hold === input.length) return { out: input, rest: EMPTY };
    const parts: Buffer[] = [];
    let at = 0;
    for (const run of runs) {
      if (run.start >= hold) {
        if (run.continued) state.carried = run.end - hold;
        break;
      }
      if (run.start > at) parts.push(input.subarray(at, run.start));
      if (!run.continued) parts.push(this.#replacementBytes);
      at = Math.min(run.end, hold);
      if (run.end >= hold && !final) state.carried = run.end - hold;
    }
    if (at < hold) parts.push(input.subarray(at, hold));
    return {
      out: Buffer.concat(parts),
      rest: hold < input.length ? Buffer.from(input.subarray(hold)) : EMPTY,
    };
  }

  /** Drops the oldest values that are neither pinned nor the one just added. */
  #dropOldest(newest: string): void {
    let looked = this.#values.size;
    for (const [value, entry] of this.#values) {
      if (this.#values.size <= this.maxValues || looked-- <= 0) return;
      if (value === newest) continue;
      if (entry.pins > 0) {
        // Still in a cache: move it to the young end and look further.
        this.#values.delete(value);
        this.#values.set(value, entry);
        continue;
      }
      this.#values.delete(value);
      this.#dropped++;
      for (const form of entry.forms) {
        const count = (this.#formCounts.get(form.text) ?? 1) - 1;
        if (count > 0) this.#formCounts.set(form.text, count);
        else {
          this.#formCounts.delete(form.text);
          this.#patterns.remove(form.bytes);
        }
      }
    }
  }
}
