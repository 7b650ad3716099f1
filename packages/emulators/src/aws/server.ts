import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultInjector, type FaultOptions } from '../faults.js';
import { close, listen } from '../listen.js';
import { type AwsEmulatorCredentials, isAllowed, verifySigV4 } from './auth.js';
import { AwsError } from './errors.js';
import { faultError } from './faults.js';
import { CONTENT_TYPE, operations, TARGET_PREFIX } from './routes.js';
import { SecretsStore, type SerializedStore } from './state.js';

export type { AwsEmulatorCredentials } from './auth.js';

export interface AwsSecretsManagerEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The region requests must be signed for (default `us-east-1`). */
  region?: string;
  /** The account in ARNs (default `123456789012`). */
  accountId?: string;
  /** Accepted access keys; one default key (returned in the handle) when absent. */
  credentials?: AwsEmulatorCredentials[];
  faults?: FaultOptions;
  /** Random source for fault rates (pass a seeded one for a reproducible sequence). Default Math.random. */
  random?: () => number;
  /** Keeps state in this JSON file: loaded at start, rewritten after every change. Holds values in clear. */
  snapshotFile?: string;
  /** Largest accepted difference between a request's signing date and the server clock (default 5 minutes). */
  maxClockSkewMs?: number;
  /** The server clock (tests move it to expire recovery windows). */
  now?: () => number;
}

export interface AwsSecretsManagerEmulator {
  /** The endpoint to give the SDK (`http://127.0.0.1:<port>`). */
  url: string;
  port: number;
  region: string;
  accountId: string;
  /** The first accepted key. */
  accessKeyId: string;
  secretAccessKey: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  faults: FaultInjector;
  /** Requests received per operation (counted on arrival, before faults and authentication). */
  calls: Record<string, number>;
  resetCalls(): void;
  /** The in-memory model, for inspection in tests. */
  store: SecretsStore;
  stop(): Promise<void>;
}

export const DEFAULT_AWS_CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIAHUSHEMULATOR0000',
  secretAccessKey: 'hush+emulator/secret/access/key/00000000',
});

const MAX_BODY_BYTES = 1024 * 1024;

/** Starts a local server speaking AWS Secrets Manager's JSON 1.1 protocol with SigV4 authentication. */
export async function startAwsSecretsManagerEmulator(
  options: AwsSecretsManagerEmulatorOptions = {},
): Promise<AwsSecretsManagerEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? Date.now;
  const keyList = options.credentials?.length ? options.credentials : [{ ...DEFAULT_AWS_CREDENTIALS }];
  const keys = new Map(keyList.map((k) => [k.accessKeyId, k]));
  const faults = new FaultInjector(options.faults, options.random);
  const store = new SecretsStore({ region, accountId, now });
  const calls: Record<string, number> = {};

  if (options.snapshotFile && existsSync(options.snapshotFile))
    store.load(JSON.parse(readFileSync(options.snapshotFile, 'utf8')) as SerializedStore);
  const save = () => {
    if (!options.snapshotFile) return;
    const temporary = `${options.snapshotFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(store.toJSON()), { mode: 0o600 });
    renameSync(temporary, options.snapshotFile);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent)
        send(res, new AwsError('InternalServiceError', 'An error occurred on the server side.', 500));
      else res.destroy(error);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined)
      return send(res, new AwsError('SerializationException', 'Request entity too large', 413));
    const target = String(req.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
    if (operation) calls[operationName] = (calls[operationName] ?? 0) + 1;

    const fault = await faults.decide();
    if (fault === 'outage') {
      req.socket.destroy();
      return;
    }
    if (fault) return send(res, faultError(fault));

    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/')
      return send(res, new AwsError('UnknownOperationException', 'Only POST / is served.', 404, 'message'));

    let credentials: AwsEmulatorCredentials;
    try {
      credentials = verifySigV4(
        { method: req.method, url: req.url ?? '/', headers: req.headers, body },
        keys,
        region,
        now(),
        options.maxClockSkewMs,
      );
    } catch (error) {
      return send(res, error);
    }
    if (!operation) return send(res, new AwsError('UnknownOperationException', '', 400, 'message'));

    let input: Record<string, any>;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new Error('not an object');
    } catch {
      return send(
        res,
        new AwsError(
          'SerializationException',
          'Start of structure or map found where not expected.',
          400,
          'message',
        ),
      );
    }

    const secretId =
      typeof input.SecretId === 'string'
        ? input.SecretId
        : typeof input.Name === 'string'
          ? input.Name
          : undefined;
    const secretName = secretId === undefined ? undefined : (store.nameOf(secretId) ?? secretId);
    if (!isAllowed(credentials, operationName, secretName))
      return send(
        res,
        new AwsError(
          'AccessDeniedException',
          `User: arn:aws:iam::${accountId}:user/${credentials.accessKeyId} is not authorized to perform: secretsmanager:${operationName} on resource: ${secretId ?? '*'} because no identity-based policy allows the secretsmanager:${operationName} action`,
          400,
        ),
      );

    try {
      const output = operation.handler(store, input, (name) =>
        isAllowed(credentials, 'GetSecretValue', name),
      );
      if (operation.mutates) save();
      send(res, output);
    } catch (error) {
      send(res, error);
    }
  }

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const host = options.host ?? '127.0.0.1';
  const first = keyList[0]!;
  const credentials: AwsSecretsManagerEmulator['credentials'] = {
    accessKeyId: first.accessKeyId,
    secretAccessKey: first.secretAccessKey,
  };
  if (first.sessionToken) credentials.sessionToken = first.sessionToken;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    region,
    accountId,
    accessKeyId: first.accessKeyId,
    secretAccessKey: first.secretAccessKey,
    credentials,
    faults,
    calls,
    resetCalls: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
    store,
    stop: () => close(server),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, payload: unknown): void {
  const error = payload instanceof AwsError ? payload : payload instanceof Error ? undefined : null;
  if (error === undefined) {
    // An unexpected failure inside the emulator: answer as the service's own 500.
    send(res, new AwsError('InternalServiceError', 'An error occurred on the server side.', 500));
    return;
  }
  const status = error ? error.status : 200;
  const body = JSON.stringify(error ? error.body() : payload);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...(error ? { 'x-amzn-errortype': error.type } : {}),
  });
  res.end(body);
}
