import { connect, type Socket } from 'node:net';
import { unwatchAbort, watchAbort } from '@hush/core';
import { parseHead, ResponseFormatError, type ResponseHead } from './response-head.js';

/** Where the agent listens: its Unix socket, or its loopback listener. */
export type AgentAddress = { socketPath: string } | { host: string; port: number };

/**
 * A response as it came: its status and its body's bytes. The body may be a view of the
 * connection's read buffer, which its next read overwrites: read it, or copy it, at once.
 */
export interface RawReply {
  status: number;
  body: Buffer;
}

/** Each connection reads into a buffer of its own, this large: an answer of the agent fits in one. */
const READ_BUFFER_BYTES = 16 * 1024;

/**
 * Why a request got no response. `code` is a network code (`ECONNREFUSED`, `ENOENT`), `TIMEOUT`,
 * `ABORT_ERR` or `BAD_RESPONSE`; `retryable` says no byte of a response came back on a
 * connection that had served before, so the agent may simply have closed it while it was idle.
 */
export class RequestFailure extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(`the request to the agent failed (${code})`);
  }
}

/** Failures of this side, never of a connection the agent closed: a retry would not help. */
const LOCAL_FAILURES = new Set(['TIMEOUT', 'ABORT_ERR', 'BAD_RESPONSE']);

interface Pending {
  resolve: (reply: RawReply) => void;
  reject: (failure: RequestFailure) => void;
  signal: AbortSignal | undefined;
}

/**
 * One kept-alive HTTP/1.1 connection to the agent, one request in flight at a time. It reads
 * responses framed by Content-Length (what the agent sends), or running to the close; anything
 * else drops the connection. `onIdle` is told when a response is complete and the connection can
 * take the next request; `onClose` when it is gone.
 */
export class AgentConnection {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending: Pending | undefined;
  /** Bytes of the response so far, when it came in more than one chunk. */
  #buffered: Buffer | undefined;
  #head: ResponseHead | undefined;
  /** Responses completed on this connection. */
  #served = 0;
  #closed = false;
  #closing: string | undefined;
  readonly #onAbort = () => this.#fail('ABORT_ERR');

  constructor(
    address: AgentAddress,
    timeoutMs: number,
    private readonly onIdle: (connection: AgentConnection) => void,
    private readonly onClose: (connection: AgentConnection) => void,
  ) {
    this.#timeoutMs = timeoutMs;
    // Reading into one buffer spares a new one, and the collector's time, on every response.
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (length: number, buffer: Uint8Array) => {
        this.#data((buffer as Buffer).subarray(0, length));
        return true;
      },
    };
    this.#socket =
      'socketPath' in address
        ? connect({ path: address.socketPath, onread })
        : connect({ port: address.port, host: address.host, onread, noDelay: true });
    this.#socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#closing ??= typeof error.code === 'string' ? error.code : 'ERROR';
    });
    // The agent's end of the connection closing is the end of it here too: an idle connection
    // leaves the pool at once rather than failing the next request sent on it.
    this.#socket.on('end', () => this.#close());
    this.#socket.on('close', () => this.#close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Writes one request (its bytes, head and body) and resolves with the response. Rejects with a
   * `RequestFailure` when the connection fails, the agent does not answer within the timeout, or
   * `signal` aborts; the connection is then dropped.
   */
  send(request: string | Buffer, signal: AbortSignal | undefined): Promise<RawReply> {
    return new Promise<RawReply>((resolve, reject) => {
      if (this.#closed || this.#pending) {
        reject(new RequestFailure(this.#closing ?? 'ECONNRESET', this.#served > 0));
        return;
      }
      this.#pending = { resolve, reject, signal };
      // The manager's own signals are watched without a listener per request (see watchAbort).
      if (signal) watchAbort(signal, this.#onAbort);
      // One timer per connection, re-armed per request: cheaper than a new one each time.
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          if (this.#pending) this.#fail('TIMEOUT');
        }, this.#timeoutMs);
        this.#timer.unref();
      } else this.#timer.refresh();
      this.#socket.ref();
      this.#socket.write(request);
    });
  }

  /** Closes the connection; a request in flight fails with `code`. */
  destroy(code = 'ECONNRESET'): void {
    this.#closing ??= code;
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    if (!this.#pending) {
      // Nothing was asked: a stray byte means the stream is out of step.
      this.destroy('BAD_RESPONSE');
      return;
    }
    const bytes = this.#buffered === undefined ? chunk : Buffer.concat([this.#buffered, chunk]);
    let head = this.#head;
    try {
      if (head === undefined) {
        head = parseHead(bytes);
        if (head === undefined) {
          this.#keep(bytes, chunk);
          return;
        }
        if (head.chunked) throw new ResponseFormatError('the agent answered with a chunked body');
        this.#head = head;
      }
    } catch {
      this.#fail('BAD_RESPONSE');
      return;
    }
    if (head.contentLength < 0) {
      // No length: the body runs to the close.
      this.#keep(bytes, chunk);
      return;
    }
    const end = head.length + head.contentLength;
    if (bytes.length < end) {
      this.#keep(bytes, chunk);
      return;
    }
    // One request at a time: bytes past this response are out of step.
    if (bytes.length > end) head.close = true;
    this.#complete(head, bytes.subarray(head.length, end));
  }

  /** Keeps a response's bytes until the rest comes; a view of the read buffer is copied first. */
  #keep(bytes: Buffer, chunk: Buffer): void {
    this.#buffered = bytes === chunk ? Buffer.from(chunk) : bytes;
  }

  #complete(head: ResponseHead, body: Buffer): void {
    const pending = this.#pending!;
    this.#reset();
    this.#served++;
    if (head.close) this.destroy();
    else {
      this.#socket.unref();
      this.onIdle(this);
    }
    pending.resolve({ status: head.status, body });
  }

  /** The request in flight fails with `code`, and the connection is dropped. */
  #fail(code: string): void {
    const pending = this.#pending;
    if (!pending) return;
    const retryable = this.#served > 0 && this.#head === undefined && this.#buffered === undefined;
    this.#reset();
    this.destroy(code);
    pending.reject(new RequestFailure(code, retryable && !LOCAL_FAILURES.has(code)));
  }

  #reset(): void {
    const signal = this.#pending?.signal;
    if (signal) unwatchAbort(signal, this.#onAbort);
    this.#pending = undefined;
    this.#buffered = undefined;
    this.#head = undefined;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const head = this.#head;
    if (this.#pending && head && head.contentLength < 0 && this.#closing === undefined) {
      // A body without a length ends with the connection.
      const bytes = this.#buffered!;
      this.#complete({ ...head, close: true }, bytes.subarray(head.length));
    } else this.#fail(this.#closing ?? 'ECONNRESET');
    this.onClose(this);
  }
}
