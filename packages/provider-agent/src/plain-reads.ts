import type { Secret } from '@hush/core';
import { isPlainName } from './paths.js';

/** Names whose request and last answer are kept; past this many, the longest kept goes. */
const MAX_NAMES = 1024;

interface PlainRead {
  /** `GET /v1/secret/NAME` with its headers, as bytes: built once per name. */
  request: Buffer;
  /** The body of the last 200 for the name, and the secret read from it. */
  body?: Buffer;
  secret?: Secret;
}

/**
 * The plain reads (`GET /v1/secret/NAME`, no version) of one client, per name. Nearly every read
 * an application makes is one of these, and the agent answers a cached entry with the same bytes
 * until the entry changes: a body byte for byte the same as the last one is the same secret, so
 * it is returned as it was read, with no JSON parse, no dates and no new object. The headers
 * (the token among them) are the client's; new headers drop every request built with the old.
 */
export class PlainReads {
  readonly #byName = new Map<string, PlainRead>();
  #headers: string | undefined;

  /** `headers` gives the request's header lines, each ending in CRLF, when the first request is built. */
  constructor(private readonly headers: () => string) {}

  /** Whether `name` is read here (else by the client's general path, which escapes it). */
  accepts(name: string): boolean {
    return this.#byName.has(name) || isPlainName(name);
  }

  /** The request's bytes for a name `accepts` took. */
  request(name: string): Buffer {
    return this.#read(name).request;
  }

  /** The secret a 200's body holds: the one read last when the body is the same bytes. */
  secret(name: string, body: Buffer, parse: (body: Buffer) => Secret): Secret {
    const read = this.#read(name);
    if (read.secret !== undefined && read.body!.equals(body)) return read.secret;
    const secret = parse(body);
    // The body is a view of the connection's chunk: the copy is this entry's own.
    read.body = Buffer.from(body);
    read.secret = secret;
    return secret;
  }

  /** The headers changed (a new token): requests are built again, with the new ones. */
  reset(): void {
    this.#headers = undefined;
    this.#byName.clear();
  }

  #read(name: string): PlainRead {
    let read = this.#byName.get(name);
    if (read === undefined) {
      if (this.#byName.size >= MAX_NAMES) this.#byName.delete(this.#byName.keys().next().value!);
      this.#headers ??= this.headers();
      read = { request: Buffer.from(`GET /v1/secret/${name} HTTP/1.1\r\n${this.#headers}\r\n`, 'latin1') };
      this.#byName.set(name, read);
    }
    return read;
  }
}
