import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody } from '../server/http.js';
import { ALL_SECRET_PERMISSIONS } from './auth.js';
import type { AzureContext } from './context.js';
import type { Reply } from './routes.js';

const MAX_FORM_BYTES = 64 * 1024;

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

/** The OpenID discovery document of the tenant, as Entra ID serves it. */
function openIdConfiguration(base: string): Record<string, unknown> {
  return {
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
  };
}

/** The few Entra ID endpoints `ClientSecretCredential` calls: discovery and the token endpoint. */
export async function serveIdentity(
  c: AzureContext,
  req: IncomingMessage,
  tenant: string,
  endpoint: string,
): Promise<Reply> {
  if (tenant !== c.tenantId)
    return identityError(
      400,
      'invalid_tenant',
      `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
    );
  const base = `${c.settings.vaultUrl}/${c.tenantId}`;
  if (endpoint.endsWith('openid-configuration')) {
    if (req.method !== 'GET')
      return identityError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts GET c.requests.');
    return {
      status: 200,
      body: openIdConfiguration(base),
    };
  }
  if (endpoint.endsWith('keys')) return { status: 200, body: { keys: [] } };

  c.requests.tokenRequests++;
  if (req.method !== 'POST')
    return identityError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST c.requests.');
  const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8') || '');
  if (form.get('grant_type') !== 'client_credentials')
    return identityError(
      400,
      'unsupported_grant_type',
      'AADSTS70003: The app requested an unsupported grant type. Only client_credentials is served here.',
    );
  const id = form.get('client_id') ?? '';
  const principal = c.authority.principal(id);
  if (!principal)
    return identityError(
      400,
      'unauthorized_client',
      `AADSTS700016: Application with identifier '${id}' was not found in the directory '${c.tenantId}'.`,
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
  const issued = c.authority.mint(
    principal.clientId,
    principal.permissions ?? ALL_SECRET_PERMISSIONS,
    audience,
  );
  c.requests.tokensIssued++;
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
