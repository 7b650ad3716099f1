import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FaultDecision, FaultInjector } from '../faults.js';
import { createCertificate } from '../tls.js';

export interface HttpEndpointOptions {
  port?: number;
  host?: string;
  /** Serve HTTPS with a self-signed certificate made at start under this common name. */
  tls?: { commonName: string } | false;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** A listening HTTP(S) server and how a client reaches it. */
export interface HttpEndpoint {
  server: Server;
  port: number;
  /** `http(s)://host:port`, with a wildcard listen address advertised as loopback. */
  url: string;
  /** PEM of the self-signed certificate (also its CA) when serving HTTPS. */
  ca?: string;
  stop(): Promise<void>;
}

/** The skeleton every HTTP emulator starts from: listen on host:port, optionally over TLS. */
export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const host = options.host ?? '127.0.0.1';
  let server: Server;
  let ca: string | undefined;
  if (options.tls) {
    const { key, cert } = await createCertificate(options.tls.commonName, [host]);
    ca = cert;
    server = createHttpsServer({ key, cert }, options.handler) as unknown as Server;
  } else {
    server = createHttpServer(options.handler);
  }
  const port = await listen(server, options.port ?? 0, host);
  const url = `${options.tls ? 'https' : 'http'}://${urlHost(host)}:${port}`;
  return { server, port, url, ...(ca ? { ca } : {}), stop: () => close(server) };
}

/** The host as a client names it in a URL: loopback for a wildcard address, IPv6 in brackets. */
export function urlHost(host: string): string {
  const advertised = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return advertised.includes(':') ? `[${advertised}]` : advertised;
}

/** Listens on host:port (port 0 picks a free one) and resolves with the bound port. */
export function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the server and every open connection (keep-alive sockets included). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Thrown by `readBody` when a request body passes the limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
  }
}

/** Reads a whole request body, refusing one larger than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * Waits the injected latency and decides this request's fault. An outage drops the connection
 * without an answer, as a dead server would, and is reported as 'outage' for the caller to stop.
 */
export async function decideFault(faults: FaultInjector, req: IncomingMessage): Promise<FaultDecision> {
  const decision = await faults.decide();
  if (decision === 'outage') req.socket.destroy();
  return decision;
}
