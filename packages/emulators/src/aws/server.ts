import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../faults.js';
import { BodyTooLargeError, decideFault, readBody, startHttpEndpoint } from '../server/http.js';
import { SnapshotFile } from '../server/snapshot.js';
import type { EmulatorBaseOptions } from '../service-types.js';
import { type AwsEmulatorCredentials, isAllowed, verifySigV4 } from './auth.js';
import { AwsError } from './errors.js';
import { faultError } from './faults.js';
import { CONTENT_TYPE, operations, TARGET_PREFIX } from './routes.js';
import { SecretsStore, type SerializedStore } from './secrets.js';

export type { AwsEmulatorCredentials } from './auth.js';

export interface AwsSecretsManagerEmulatorOptions extends EmulatorBaseOptions {
  /** The region requests must be signed for (default `us-east-1`). */
  region?: string;
  /** The account in ARNs (default `123456789012`). */
  accountId?: string;
  /** Accepted access keys; one default key (returned in the handle) when absent. */
  credentials?: AwsEmulatorCredentials[];
  /** Largest accepted difference between a request's signing date and the server clock (default 5 minutes). */
  maxClockSkewMs?: number;
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
const INTERNAL = () => new AwsError('InternalServiceError', 'An error occurred on the server side.', 500);

interface AwsContext {
  store: SecretsStore;
  keys: Map<string, AwsEmulatorCredentials>;
  faults: FaultInjector;
  calls: Record<string, number>;
  region: string;
  accountId: string;
  now: () => number;
  maxClockSkewMs?: number;
  save: () => void;
}

/** Starts a local server speaking AWS Secrets Manager's JSON 1.1 protocol with SigV4 authentication. */
export async function startAwsSecretsManagerEmulator(
  options: AwsSecretsManagerEmulatorOptions = {},
): Promise<AwsSecretsManagerEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? Date.now;
  const keyList = options.credentials?.length ? options.credentials : [{ ...DEFAULT_AWS_CREDENTIALS }];
  const store = new SecretsStore({ region, accountId, now });
  const snapshot = new SnapshotFile<SerializedStore>(options.snapshotFile);
  const saved = snapshot.load();
  if (saved) store.load(saved);
  const context: AwsContext = {
    store,
    keys: new Map(keyList.map((k) => [k.accessKeyId, k])),
    faults: new FaultInjector(options.faults, options.random),
    calls: {},
    region,
    accountId,
    now,
    maxClockSkewMs: options.maxClockSkewMs,
    save: () => snapshot.save(store.toJSON()),
  };
  const endpoint = await startHttpEndpoint({
    ...options,
    handler: (req, res) => {
      handle(context, req, res).catch((error) => {
        if (!res.headersSent) send(res, INTERNAL());
        else res.destroy(error);
      });
    },
  });
  const first = keyList[0]!;
  const credentials: AwsSecretsManagerEmulator['credentials'] = {
    accessKeyId: first.accessKeyId,
    secretAccessKey: first.secretAccessKey,
    ...(first.sessionToken ? { sessionToken: first.sessionToken } : {}),
  };
  const { calls } = context;
  return {
    url: endpoint.url,
    port: endpoint.port,
    region,
    accountId,
    accessKeyId: first.accessKeyId,
    secretAccessKey: first.secretAccessKey,
    credentials,
    faults: context.faults,
    calls,
    resetCalls: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
    store,
    stop: endpoint.stop,
  };
}

function parseInput(body: Buffer): Record<string, any> {
  try {
    const input = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input;
  } catch {}
  throw new AwsError(
    'SerializationException',
    'Start of structure or map found where not expected.',
    400,
    'message',
  );
}

async function handle(c: AwsContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return send(res, new AwsError('SerializationException', 'Request entity too large', 413));
    throw error;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
  if (operation) c.calls[operationName] = (c.calls[operationName] ?? 0) + 1;

  const fault = await decideFault(c.faults, req);
  if (fault === 'outage') return;
  if (fault === 'echo' && body.length > 0) {
    c.faults.echoed();
    return send(res, faultError(fault, body.toString('utf8')));
  }
  if (fault && fault !== 'echo') return send(res, faultError(fault));
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/')
    return send(res, new AwsError('UnknownOperationException', 'Only POST / is served.', 404, 'message'));
  try {
    const credentials = verifySigV4(
      { method: req.method, url: req.url ?? '/', headers: req.headers, body },
      c.keys,
      c.region,
      c.now(),
      c.maxClockSkewMs,
    );
    if (!operation) throw new AwsError('UnknownOperationException', '', 400, 'message');
    const input = parseInput(body);
    authorize(c, credentials, operationName, input);
    const output = operation.handler(c.store, input, (name) =>
      isAllowed(credentials, 'GetSecretValue', name),
    );
    if (operation.mutates) c.save();
    send(res, output);
  } catch (error) {
    send(res, error);
  }
}

/** The key's policy (when it has one) must allow the operation on the secret named. */
function authorize(
  c: AwsContext,
  credentials: AwsEmulatorCredentials,
  operation: string,
  input: Record<string, any>,
) {
  const secretId =
    typeof input.SecretId === 'string'
      ? input.SecretId
      : typeof input.Name === 'string'
        ? input.Name
        : undefined;
  const secretName = secretId === undefined ? undefined : (c.store.nameOf(secretId) ?? secretId);
  const principal = `arn:aws:iam::${c.accountId}:user/${credentials.accessKeyId}`;
  // An explicit Deny in the secret's resource policy wins over any Allow.
  if (secretName !== undefined && c.store.deniedByPolicy(secretName, principal, operation))
    throw new AwsError(
      'AccessDeniedException',
      `User: ${principal} is not authorized to perform: secretsmanager:${operation} on resource: ${secretId} with an explicit deny in a resource-based policy`,
      400,
    );
  if (!isAllowed(credentials, operation, secretName))
    throw new AwsError(
      'AccessDeniedException',
      `User: arn:aws:iam::${c.accountId}:user/${credentials.accessKeyId} is not authorized to perform: secretsmanager:${operation} on resource: ${secretId ?? '*'} because no identity-based policy allows the secretsmanager:${operation} action`,
      400,
    );
}

function send(res: ServerResponse, payload: unknown): void {
  // An unexpected failure inside the emulator is answered as the service's own 500.
  const error = payload instanceof AwsError ? payload : payload instanceof Error ? INTERNAL() : null;
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
