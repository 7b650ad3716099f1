import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../faults.js';
import { BodyTooLargeError, startHttpEndpoint } from '../server/http.js';
import type { EmulatorBaseOptions } from '../service-types.js';
import {
  ALL_SECRET_PERMISSIONS,
  KEY_VAULT_RESOURCE,
  newClientSecret,
  type SecretPermission,
  type ServicePrincipal,
  type StaticToken,
  TokenAuthority,
} from './auth.js';
import type { AzureContext, AzureRequestCounters } from './context.js';
import { serveIdentity } from './identity.js';
import { MANAGED_IDENTITY_PATH, serveManagedIdentity } from './managed-identity.js';
import { errorReply, type Reply } from './routes.js';
import { VaultState } from './state.js';
import { serveVault } from './transport.js';

export type { AzureRequestCounters } from './context.js';

export interface AzureKeyVaultEmulatorOptions extends EmulatorBaseOptions {
  /** Also write the CA certificate (PEM) here, e.g. for `NODE_EXTRA_CA_CERTS`. */
  caFile?: string;
  /** Directory (tenant) id named in the challenge and in issued tokens (default a random UUID). */
  tenantId?: string;
  /** The service principal the token endpoint knows (default: a generated id and secret). */
  clientId?: string;
  clientSecret?: string;
  /** Further service principals, each with its own secret permissions. */
  principals?: ServicePrincipal[];
  /** Bearer tokens accepted as they are (for a fixed `TokenCredential` in tests). */
  tokens?: Array<string | StaticToken>;
  /** Lifetime of the tokens the token endpoint issues (default 3600 s). */
  tokenLifetimeSeconds?: number;
  /** Days a deleted secret stays recoverable (default 90, as the service's default). */
  recoverableDays?: number;
  /**
   * How long a delete or a recovery is "in progress" before it shows (default 0). During that
   * window a deleted secret is not listed yet and a recovered one is not readable yet, as on the
   * service, which is what the SDK's pollers wait for.
   */
  operationDelayMs?: number;
  /** Seconds announced in `Retry-After` on injected throttling (default 1). */
  throttleRetryAfterSeconds?: number;
}

export interface AzureKeyVaultEmulator {
  /** Base URL of the vault, e.g. `https://127.0.0.1:50123` (pass it as the SDK's vaultUrl). */
  url: string;
  vaultUrl: string;
  /** Pass as `authorityHost` to `ClientSecretCredential` (with `disableInstanceDiscovery: true`). */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /**
   * The managed-identity endpoint, as App Service sets `IDENTITY_ENDPOINT`: with it and
   * `IDENTITY_HEADER` in the environment, `DefaultAzureCredential` signs in without a secret.
   */
  identityEndpoint: string;
  /** The value `IDENTITY_HEADER` must have (sent back as `X-IDENTITY-HEADER`). */
  identityHeader: string;
  /** A static token with every permission, for a simple `TokenCredential`. */
  token: string;
  /** PEM of the self-signed certificate: give it to the client as `tlsOptions: { ca }`. */
  ca: string;
  /** Where the CA was written, when `caFile` was given. */
  caFile?: string;
  faults: FaultInjector;
  requests: AzureRequestCounters;
  /** Writes the CA PEM to a file and returns its path. */
  writeCa(file: string): Promise<string>;
  /** Mints a token as the token endpoint would, with the given permissions. */
  issueToken(permissions?: SecretPermission[]): string;
  /** Accepts one more static token from now on. */
  addToken(token: string, permissions?: SecretPermission[]): void;
  /** Connection details for a person (printed by `hush-emulators azure`). */
  describe(): Record<string, string>;
  stop(): Promise<void>;
}

const IDENTITY_PATH =
  /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    'cache-control': 'no-cache',
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-region': 'local',
    'x-ms-keyvault-service-version': 'hush-emulator',
    ...(reply.headers ?? {}),
  };
  const clientRequestId = req.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string') headers['x-ms-client-request-id'] = clientRequestId;
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers).end(text);
}

/** Routes a request to the identity endpoints or to the vault, and writes the answer. */
function handler(c: AzureContext, clientId: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    c.requests.total++;
    // URLSearchParams decodes names too, so the SDK's `api%2Dversion` arrives as `api-version`.
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const identity = IDENTITY_PATH.exec(url.pathname);
    const isIdentity = identity !== null || url.pathname === MANAGED_IDENTITY_PATH;
    const work = isIdentity
      ? (c.faults.options.outage
          ? Promise.resolve(undefined)
          : identity
            ? serveIdentity(c, req, identity[1]!, identity[2]!)
            : Promise.resolve(serveManagedIdentity(c, req, url, clientId))
        ).then((reply) => {
          if (!reply) req.socket.destroy();
          return reply;
        })
      : serveVault(c, req, url);
    work
      .then((reply) => {
        if (reply && !res.headersSent) send(req, res, reply);
      })
      .catch((error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof BodyTooLargeError)
          send(req, res, errorReply(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        else
          send(req, res, errorReply(500, 'InternalServerError', 'The emulator failed to serve the request.'));
      });
  };
}

function context(
  options: AzureKeyVaultEmulatorOptions,
  clientId: string,
  clientSecret: string,
  staticToken: string,
) {
  const now = options.now ?? Date.now;
  const tenantId = options.tenantId ?? randomUUID();
  const c: AzureContext = {
    authority: new TokenAuthority(
      tenantId,
      [{ clientId, clientSecret }, ...(options.principals ?? [])],
      [staticToken, ...(options.tokens ?? [])],
      options.tokenLifetimeSeconds ?? 3600,
      now,
    ),
    tenantId,
    identityHeader: randomBytes(18).toString('base64url'),
    faults: new FaultInjector(options.faults, options.random),
    requests: {
      total: 0,
      operations: {},
      challenges: 0,
      forbidden: 0,
      tokenRequests: 0,
      tokensIssued: 0,
      faulted: 0,
    },
    state: new VaultState(options.snapshotFile),
    settings: {
      vaultUrl: '',
      recoverableDays: options.recoverableDays ?? 90,
      operationDelayMs: options.operationDelayMs ?? 0,
      backupKey: randomBytes(32),
    },
    throttleRetryAfter: options.throttleRetryAfterSeconds ?? 1,
    injectedErrors: 0,
    now,
  };
  return c;
}

/**
 * Starts a local Azure Key Vault (secrets API) over HTTPS with a certificate made at start,
 * the bearer challenge the SDK expects, and a token endpoint for `ClientSecretCredential`.
 */
export async function startAzureKeyVaultEmulator(
  options: AzureKeyVaultEmulatorOptions = {},
): Promise<AzureKeyVaultEmulator> {
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? newClientSecret();
  const staticToken = `hush-static-${randomBytes(18).toString('base64url')}`;
  const c = context(options, clientId, clientSecret, staticToken);
  const endpoint = await startHttpEndpoint({
    ...options,
    tls: { commonName: 'hush Azure Key Vault emulator' },
    handler: handler(c, clientId),
  });
  const baseUrl = endpoint.url;
  c.settings.vaultUrl = baseUrl;
  const ca = endpoint.ca!;
  const emulator: AzureKeyVaultEmulator = {
    url: baseUrl,
    vaultUrl: baseUrl,
    authorityHost: baseUrl,
    tenantId: c.tenantId,
    clientId,
    clientSecret,
    identityEndpoint: `${baseUrl}${MANAGED_IDENTITY_PATH}`,
    identityHeader: c.identityHeader,
    token: staticToken,
    ca,
    faults: c.faults,
    requests: c.requests,
    async writeCa(file: string) {
      await writeFile(file, ca, { mode: 0o644 });
      return file;
    },
    issueToken(permissions = [...ALL_SECRET_PERMISSIONS]) {
      return c.authority.mint(clientId, permissions, KEY_VAULT_RESOURCE).token;
    },
    addToken(token, permissions) {
      c.authority.addStaticToken(token, permissions);
    },
    describe() {
      return {
        vaultUrl: baseUrl,
        authorityHost: baseUrl,
        tenantId: c.tenantId,
        clientId,
        clientSecret,
        identityEndpoint: emulator.identityEndpoint,
        identityHeader: c.identityHeader,
        token: staticToken,
        ...(emulator.caFile ? { caFile: emulator.caFile } : {}),
      };
    },
    stop: endpoint.stop,
  };
  if (options.caFile) emulator.caFile = await emulator.writeCa(options.caFile);
  return emulator;
}
