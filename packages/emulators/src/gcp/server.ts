import { randomBytes } from 'node:crypto';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { FaultInjector } from '../faults.js';
import type { EmulatorBaseOptions } from '../service-types.js';
import { createCertificate } from '../tls.js';
import { checkBearer } from './auth.js';
import { GcpError } from './errors.js';
import { faultError } from './faults.js';
import { secretManagerService } from './proto.js';
import { createRoutes, METHODS, type MethodName } from './routes.js';
import { GcpState } from './state.js';

export type { MethodName as GcpSecretManagerMethod } from './routes.js';

export interface GcpSecretManagerEmulatorOptions extends EmulatorBaseOptions {
  /** Bearer tokens accepted in `authorization` metadata. Default: one random token, returned as `token`. */
  tokens?: string[];
  /** Projects the tokens may use; others get PERMISSION_DENIED. Default: any project. */
  projects?: string[];
  /**
   * Plain-text gRPC instead of TLS. Note that the SDK then sends no authorization metadata unless each
   * call carries it (`otherArgs.headers`), so pair it with `requireAuth: false` or per-call headers.
   */
  insecure?: boolean;
  /** Default true: every call must carry a valid bearer token. */
  requireAuth?: boolean;
  /** Your own certificate and key (PEM) instead of the self-signed one made at start. */
  tls?: { cert: string; key: string };
  /** Page size when a list request leaves page_size at 0. Default 100. */
  defaultPageSize?: number;
  /** Code for injected errors: INTERNAL (default) or UNAVAILABLE. */
  errorCode?: 'INTERNAL' | 'UNAVAILABLE';
}

export interface GcpSecretManagerEmulator {
  /** `https://host:port`, or `http://host:port` when insecure. */
  url: string;
  /** For the SDK's `apiEndpoint` option. */
  apiEndpoint: string;
  port: number;
  /** PEM of the self-signed certificate to trust (the client's `createSsl(ca)`); undefined when insecure. */
  ca: string | undefined;
  /** The first accepted bearer token. */
  token: string;
  tokens: readonly string[];
  faults: FaultInjector;
  /** Calls received per RPC, counted before auth and faults. */
  calls: Record<MethodName, number>;
  /** Closes the listener and every connection, as a crashed server would; `resume()` binds the same port again. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  /** Drops every secret. */
  reset(): void;
  /** Hooks that break the service on purpose, for tests of client-side checks. */
  testHooks: {
    /** Makes AccessSecretVersion report a wrong data_crc32c for this version (`projects/p/secrets/s/versions/n|latest`). */
    corruptChecksum(versionName: string): void;
  };
  stop(): Promise<void>;
}

/** Starts a GCP Secret Manager gRPC server on 127.0.0.1 (TLS with a self-signed certificate by default). */
export async function startGcpSecretManagerEmulator(
  options: GcpSecretManagerEmulatorOptions = {},
): Promise<GcpSecretManagerEmulator> {
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens?.length
    ? [...options.tokens]
    : [`ya29.emulator-${randomBytes(16).toString('hex')}`];
  const tokenSet = new Set(tokens);
  const requireAuth = options.requireAuth ?? true;
  const state = new GcpState(options.snapshotFile, options.now);
  const faults = new FaultInjector(options.faults, options.random);
  const calls = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<MethodName, number>;
  const routes = createRoutes({
    state,
    allowedProjects: options.projects ? new Set(options.projects) : undefined,
    defaultPageSize: options.defaultPageSize ?? 100,
  });

  const tls = options.insecure
    ? undefined
    : (options.tls ?? (await createCertificate('hush GCP Secret Manager emulator', [host])));
  const serve = async (method: MethodName, call: ServerUnaryCall<Record<string, unknown>, unknown>) => {
    const fault = await faults.decide();
    if (fault === 'echo') faults.echoed();
    if (fault) throw faultError(fault, options.errorCode, call.request);
    if (requireAuth) checkBearer(call.metadata, tokenSet);
    return routes[method](call.request);
  };
  const handlers = unaryHandlers(calls, serve);

  const listener = new GrpcListener(host, options.port ?? 0, credentialsOf(tls), handlers);
  await listener.bind();

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${listener.port}`,
    apiEndpoint: host,
    port: listener.port,
    ca: tls?.cert,
    token: tokens[0]!,
    tokens,
    faults,
    calls,
    async suspend() {
      listener.shutdown();
    },
    async resume() {
      if (!listener.listening) await listener.bind();
    },
    reset() {
      state.clear();
    },
    testHooks: { corruptChecksum: (versionName: string) => corruptChecksum(state, versionName) },
    async stop() {
      listener.shutdown();
    },
  };
}

type Serve = (
  method: MethodName,
  call: ServerUnaryCall<Record<string, unknown>, unknown>,
) => Promise<unknown>;

/** TLS with the given certificate, or plain text. */
function credentialsOf(tls: { cert: string; key: string } | undefined): ServerCredentials {
  return tls
    ? ServerCredentials.createSsl(
        null,
        [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
        false,
      )
    : ServerCredentials.createInsecure();
}

/** The gRPC server: shut down and bound again on the same port to suspend and resume the service. */
class GrpcListener {
  #server: Server | undefined;
  #port: number;

  constructor(
    private readonly host: string,
    port: number,
    private readonly credentials: ServerCredentials,
    private readonly handlers: ReturnType<typeof unaryHandlers>,
  ) {
    this.#port = port;
  }

  /** The bound port (the one asked for, or the one the system chose for 0). */
  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  bind(): Promise<void> {
    const address = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.#port}`;
    return new Promise<void>((resolve, reject) => {
      const next = new Server();
      next.addService(secretManagerService(), this.handlers);
      next.bindAsync(address, this.credentials, (error, bound) => {
        if (error) return reject(error);
        this.#port = bound;
        this.#server = next;
        resolve();
      });
    });
  }

  shutdown(): void {
    this.#server?.forceShutdown();
    this.#server = undefined;
  }
}

/** One gRPC handler per method: counts the call, serves it, maps errors to gRPC statuses. */
function unaryHandlers(calls: Record<MethodName, number>, serve: Serve) {
  return Object.fromEntries(
    METHODS.map((method) => [
      method,
      (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
        calls[method]++;
        void serve(method, call).then(
          (response) => callback(null, response),
          (error: unknown) => {
            const known = error instanceof GcpError;
            // Unexpected failures must not echo request data (payloads are secrets).
            callback({
              code: known ? error.code : status.INTERNAL,
              details: known ? error.message : 'Internal error encountered.',
            });
          },
        );
      },
    ]),
  );
}

/** Makes AccessSecretVersion report a wrong data_crc32c for one version (test hook). */
function corruptChecksum(state: GcpState, versionName: string): void {
  const match = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/.exec(versionName);
  const secret = match && state.get(match[1]!, match[2]!);
  const version =
    match?.[3] === 'latest'
      ? secret?.versions.at(-1)
      : secret?.versions.find((v) => String(v.number) === match?.[3]);
  if (!version || version.crc32c === null) throw new Error(`no readable version ${versionName}`);
  version.crc32c = (version.crc32c ^ 0x5a5a5a5a) >>> 0;
}
