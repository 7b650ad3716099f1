import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { FaultInjector, type FaultOptions } from '../faults.js';
import { close, listen } from '../listen.js';
import { createCertificate } from '../tls.js';
import {
  ALL_SECRET_PERMISSIONS,
  KEY_VAULT_RESOURCE,
  newClientSecret,
  type SecretPermission,
  type ServicePrincipal,
  type StaticToken,
  TokenAuthority,
} from './auth.js';
import { faultReply } from './faults.js';
import { errorReply, handle, type Operation, type Reply, resolveRoute } from './routes.js';
import { VaultState } from './state.js';

export interface AzureKeyVaultEmulatorOptions {
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Keep the vault's content in this JSON file (read at start, rewritten after each change). */
  snapshotFile?: string;
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
  /** Initial fault settings (change them later through `faults`). */
  faults?: FaultOptions;
  /** Random source for fault rates (pass a seeded one for a reproducible sequence). Default Math.random. */
  random?: () => number;
}

/** Requests the emulator has seen, by kind. */
export interface AzureRequestCounters {
  /** Every request that reached the handler, identity endpoints included. */
  total: number;
  /** Key Vault requests by operation (counted when authenticated and routed). */
  operations: Partial<Record<Operation, number>>;
  /** 401 answers with a bearer challenge. */
  challenges: number;
  /** 403 answers (missing permission or disabled secret). */
  forbidden: number;
  /** Token endpoint calls, and how many issued a token. */
  tokenRequests: number;
  tokensIssued: number;
  /** Requests answered with an injected fault (see also `faults.injected`). */
  faulted: number;
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

const MAX_BODY_BYTES = 1024 * 1024;
const SUPPORTED_API_VERSION = /^(7\.\d(-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$/;
const IDENTITY_PATH =
  /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { tooLarge: true }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts a local Azure Key Vault (secrets API) over HTTPS with a certificate made at start,
 * the bearer challenge the SDK expects, and a token endpoint for `ClientSecretCredential`.
 */
export async function startAzureKeyVaultEmulator(
  options: AzureKeyVaultEmulatorOptions = {},
): Promise<AzureKeyVaultEmulator> {
  const host = options.host ?? '127.0.0.1';
  const tenantId = options.tenantId ?? randomUUID();
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? newClientSecret();
  const staticToken = `hush-static-${randomBytes(18).toString('base64url')}`;
  const authority = new TokenAuthority(
    tenantId,
    [{ clientId, clientSecret }, ...(options.principals ?? [])],
    [staticToken, ...(options.tokens ?? [])],
    options.tokenLifetimeSeconds ?? 3600,
  );
  const state = new VaultState(options.snapshotFile);
  const faults = new FaultInjector(options.faults, options.random);
  const requests: AzureRequestCounters = {
    total: 0,
    operations: {},
    challenges: 0,
    forbidden: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    faulted: 0,
  };
  const certificate = await createCertificate('hush Azure Key Vault emulator', [host]);
  const throttleRetryAfter = options.throttleRetryAfterSeconds ?? 1;
  let injectedErrors = 0;
  let baseUrl = '';
  const settings = {
    vaultUrl: '',
    recoverableDays: options.recoverableDays ?? 90,
    operationDelayMs: options.operationDelayMs ?? 0,
    backupKey: randomBytes(32),
  };

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

  function identityError(status: number, error: string, description: string): Reply {
    return {
      status,
      body: {
        error,
        error_description: description,
        error_codes: [],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
      },
    };
  }

  /** The few Entra ID endpoints `ClientSecretCredential` calls: discovery and the token endpoint. */
  async function serveIdentity(req: IncomingMessage, tenant: string, endpoint: string): Promise<Reply> {
    if (tenant !== tenantId)
      return identityError(
        400,
        'invalid_tenant',
        `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
      );
    const base = `${baseUrl}/${tenantId}`;
    if (endpoint.endsWith('openid-configuration')) {
      if (req.method !== 'GET')
        return identityError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts GET requests.');
      return {
        status: 200,
        body: {
          issuer: `${base}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          tenant_region_scope: 'local',
        },
      };
    }
    if (endpoint.endsWith('keys')) return { status: 200, body: { keys: [] } };

    requests.tokenRequests++;
    if (req.method !== 'POST')
      return identityError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.');
    const form = new URLSearchParams((await readBody(req)) ?? '');
    if (form.get('grant_type') !== 'client_credentials')
      return identityError(
        400,
        'unsupported_grant_type',
        'AADSTS70003: The app requested an unsupported grant type. Only client_credentials is served here.',
      );
    const id = form.get('client_id') ?? '';
    const principal = authority.principal(id);
    if (!principal)
      return identityError(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${id}' was not found in the directory '${tenantId}'.`,
      );
    if (form.get('client_secret') !== principal.clientSecret)
      return identityError(
        401,
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${id}'.`,
      );
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
    if (!scope)
      return identityError(
        400,
        'invalid_scope',
        'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).',
      );
    const audience = scope.slice(0, -'/.default'.length);
    const issued = authority.mint(
      principal.clientId,
      principal.permissions ?? ALL_SECRET_PERMISSIONS,
      audience,
    );
    requests.tokensIssued++;
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        ext_expires_in: issued.expiresIn,
        access_token: issued.token,
      },
    };
  }

  async function serveVault(req: IncomingMessage, url: URL): Promise<Reply | undefined> {
    const decision = await faults.decide();
    if (decision === 'outage') {
      req.socket.destroy();
      return undefined;
    }
    if (decision) {
      requests.faulted++;
      return faultReply(decision, decision === 'error' ? injectedErrors++ : 0, throttleRetryAfter);
    }

    // Authentication comes first: the SDK's first request is sent without a token (and without its body).
    const check = authority.verify(req.headers.authorization);
    if (!check.ok) {
      requests.challenges++;
      return errorReply(401, check.code, check.message, undefined, {
        'www-authenticate': authority.challenge(),
      });
    }

    const route = resolveRoute(req.method ?? 'GET', url.pathname);
    if (!('operation' in route)) return route;

    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion)
      return errorReply(
        400,
        'BadParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    if (!SUPPORTED_API_VERSION.test(apiVersion))
      return errorReply(
        400,
        'BadParameter',
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
      );

    requests.operations[route.operation] = (requests.operations[route.operation] ?? 0) + 1;
    if (!check.caller.permissions.has(route.permission)) {
      requests.forbidden++;
      return errorReply(
        403,
        'Forbidden',
        `The user, group or application 'appid=${check.caller.appId};oid=${check.caller.objectId};iss=${authority.issuer}' does not have secrets ${route.permission} permission on key vault 'emulator;location=local'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
        'AccessDenied',
      );
    }

    let body: unknown;
    const text = await readBody(req);
    if (text !== undefined && text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return errorReply(400, 'BadParameter', 'The request body is not valid JSON.');
      }
    }
    const reply = handle({ route, query: url.searchParams, body, state, settings, now: Date.now() });
    if (reply.status === 403) requests.forbidden++;
    return reply;
  }

  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    requests.total++;
    // URLSearchParams decodes names too, so the SDK's `api%2Dversion` arrives as `api-version`.
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const identity = IDENTITY_PATH.exec(url.pathname);
    const work = identity
      ? (faults.options.outage
          ? Promise.resolve(undefined)
          : serveIdentity(req, identity[1]!, identity[2]!)
        ).then((reply) => {
          if (!reply) req.socket.destroy();
          return reply;
        })
      : serveVault(req, url);
    work
      .then((reply) => {
        if (reply && !res.headersSent) send(req, res, reply);
      })
      .catch((error: unknown) => {
        if (res.headersSent) return;
        if ((error as { tooLarge?: boolean }).tooLarge)
          send(req, res, errorReply(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        else
          send(req, res, errorReply(500, 'InternalServerError', 'The emulator failed to serve the request.'));
      });
  });

  const port = await listen(server, options.port ?? 0, host);
  // A wildcard address is not one a client can name (nor is it in the certificate): advertise loopback.
  const advertised = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const shownHost = advertised.includes(':') ? `[${advertised}]` : advertised;
  baseUrl = `https://${shownHost}:${port}`;
  settings.vaultUrl = baseUrl;

  const emulator: AzureKeyVaultEmulator = {
    url: baseUrl,
    vaultUrl: baseUrl,
    authorityHost: baseUrl,
    tenantId,
    clientId,
    clientSecret,
    token: staticToken,
    ca: certificate.cert,
    faults,
    requests,
    async writeCa(file: string) {
      await writeFile(file, certificate.cert, { mode: 0o644 });
      return file;
    },
    issueToken(permissions = [...ALL_SECRET_PERMISSIONS]) {
      return authority.mint(clientId, permissions, KEY_VAULT_RESOURCE).token;
    },
    addToken(token, permissions) {
      authority.addStaticToken(token, permissions);
    },
    describe() {
      return {
        vaultUrl: baseUrl,
        authorityHost: baseUrl,
        tenantId,
        clientId,
        clientSecret,
        token: staticToken,
        ...(emulator.caFile ? { caFile: emulator.caFile } : {}),
      };
    },
    stop: () => close(server),
  };
  if (options.caFile) emulator.caFile = await emulator.writeCa(options.caFile);
  return emulator;
}
