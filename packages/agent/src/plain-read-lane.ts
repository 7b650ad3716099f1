import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Answer } from './replies.js';
import { INCOMPLETE, OTHER, readRequestHead } from './request-head.js';

// Every connection to the agent is read here first. Plain reads, nearly all of its traffic, are
// answered on the socket directly: through `node:http`, the agent's own work per cached read is
// about two and a half times as much. At the first request that is anything else, the connection, with every byte
// not yet answered, is handed to the `node:http` server, which serves it from then on as if it
// had been its own from the start.

export interface LaneOptions {
  /** Serves everything but plain reads; it listens, and the lane takes its connections first. */
  server: Server;
  /** Serves a plain read of this secret: calls `reply` with its answer, once. */
  read(name: string, reply: (answer: Answer) => void): Promise<void>;
  /** What a TCP request must carry in the token header (none on the Unix socket). */
  token?: Buffer;
  /** How long an idle kept-alive connection stays open, as `node:http`'s `keepAliveTimeout`. */
  keepAliveMs: number;
}

/** Takes a server's connections: see the comment at the top of this file. */
export class PlainReadLane {
  readonly #options: LaneOptions;
  /** Connections the lane serves now, and whether a read of each is in flight. */
  readonly #connections = new Map<Socket, { busy: boolean }>();
  #closing = false;

  constructor(options: LaneOptions) {
    this.#options = options;
    const { server } = options;
    // node:http's own connection listener, which the lane calls when it hands a connection over.
    const [httpConnection] = server.listeners('connection') as ((socket: Socket) => void)[];
    if (httpConnection === undefined) throw new Error('the server has no connection listener');
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) =>
      this.#take(socket, () => httpConnection.call(server, socket)),
    );
  }

  /** Ends the lane's idle connections; connections with a read in flight end after it. */
  closeIdleConnections(): void {
    this.#closing = true;
    for (const [socket, state] of this.#connections) if (!state.busy) socket.destroy();
  }

  /** Ends every connection the lane serves. */
  closeAllConnections(): void {
    this.#closing = true;
    for (const socket of this.#connections.keys()) socket.destroy();
  }

  #take(socket: Socket, handOver: () => void): void {
    const { token, read, keepAliveMs } = this.#options;
    const state = { busy: false };
    this.#connections.set(socket, state);
    const keepAlive = `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n\r\n`;
    let buffered: Buffer | undefined;
    let ended = false;

    // The lane lets go of a connection it ends (its error listener stays for the last write), or
    // of one it hands over, listeners and all.
    const release = (): void => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('timeout', onTimeout);
      socket.removeListener('close', onClose);
      this.#connections.delete(socket);
    };
    const handOff = (): void => {
      // A stream that has ended cannot take its bytes back: what is left unanswered there (a head
      // cut off, a request after the client's end) ends the connection, as node:http would.
      release();
      if (ended) {
        socket.destroy();
        return;
      }
      socket.removeListener('error', onError);
      socket.setTimeout(0);
      if (buffered !== undefined) socket.unshift(buffered);
      buffered = undefined;
      handOver();
      // A connection paused for too many requests at once flows again, now into node:http.
      if (socket.isPaused()) socket.resume();
    };
    let last = false;
    const reply = (answer: Answer): void => {
      if (socket.destroyed) return;
      last = this.#closing || (ended && buffered === undefined);
      socket.write(response(answer, last ? CLOSE : keepAlive));
      if (last) {
        release();
        socket.end();
      }
    };
    const answer = async (name: string): Promise<void> => {
      state.busy = true;
      await read(name, reply);
      state.busy = false;
      if (last || socket.destroyed) return;
      if (socket.isPaused()) socket.resume();
      serve();
    };
    // Answers the requests buffered, one at a time, in order.
    const serve = (): void => {
      if (buffered === undefined) return;
      const parsed = readRequestHead(buffered, token);
      if (parsed === OTHER || (parsed === INCOMPLETE && ended)) {
        handOff();
        return;
      }
      if (parsed === INCOMPLETE) return;
      buffered = parsed.length === buffered.length ? undefined : buffered.subarray(parsed.length);
      answer(parsed.name).catch(() => socket.destroy());
    };
    const onData = (chunk: Buffer): void => {
      buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      if (!state.busy) serve();
      // Requests sent faster than they are answered wait in the kernel, not here.
      else if (buffered.length > MAX_BUFFERED_BYTES) socket.pause();
    };
    const onEnd = (): void => {
      ended = true;
      if (state.busy) return;
      if (buffered !== undefined) {
        handOff();
        return;
      }
      release();
      socket.end();
    };
    const onTimeout = (): void => {
      if (!state.busy) socket.destroy();
    };
    const onError = (): void => {
      socket.destroy();
    };
    const onClose = (): void => release();

    socket.setTimeout(keepAliveMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
    socket.on('close', onClose);
  }
}

/** Past this much unanswered input, the lane stops reading until it has answered. */
const MAX_BUFFERED_BYTES = 64 * 1024;

const CLOSE = 'connection: close\r\n\r\n';

/**
 * The response's bytes in one buffer: one write of one buffer costs the kernel less than the
 * head and the body as two (a `writev`), and this copy of a few hundred bytes costs less still.
 */
function response(answer: Answer, ending: string): Buffer {
  const text = head(answer, ending);
  const bytes = Buffer.allocUnsafe(text.length + answer.body.length);
  bytes.write(text, 0, 'latin1');
  answer.body.copy(bytes, text.length);
  return bytes;
}

/** The status line and headers, with the date and the connection's fate (`ending`). */
function head(answer: Answer, ending: string): string {
  return `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${answer.headerLines}date: ${utcDate()}\r\n${ending}`;
}

let dateSecond = -1;
let dateText = '';

/** The Date header's text, made once a second as `node:http` does. */
function utcDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
