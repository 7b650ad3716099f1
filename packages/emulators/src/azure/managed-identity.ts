import type { IncomingMessage } from 'node:http';
import { ALL_SECRET_PERMISSIONS } from './auth.js';
import type { AzureContext } from './context.js';
import type { Reply } from './routes.js';

/** The path of the managed-identity token endpoint (`IDENTITY_ENDPOINT` points here). */
export const MANAGED_IDENTITY_PATH = '/msi/token';
/** The only version of the App Service identity protocol the SDKs send. */
const API_VERSION = '2019-08-01';

/**
 * The App Service (and Functions, Container Apps) managed-identity endpoint that
 * `ManagedIdentityCredential`, and so `DefaultAzureCredential`, calls when `IDENTITY_ENDPOINT` and
 * `IDENTITY_HEADER` are set: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with
 * the header `X-IDENTITY-HEADER`. The answer has the shape of Microsoft's REST endpoint reference
 * (learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference):
 * `access_token`, `expires_on` (epoch seconds, as a string), `resource`, `token_type`, `client_id`.
 */
export function serveManagedIdentity(
  c: AzureContext,
  req: IncomingMessage,
  url: URL,
  clientId: string,
): Reply {
  c.requests.tokenRequests++;
  if (req.method !== 'GET')
    return { status: 405, body: { statusCode: 405, message: 'The endpoint only accepts GET requests.' } };
  if (req.headers['x-identity-header'] !== c.identityHeader)
    return {
      status: 401,
      body: { statusCode: 401, message: "The X-IDENTITY-HEADER header is missing or not this host's." },
    };
  if (url.searchParams.get('api-version') !== API_VERSION)
    return { status: 400, body: { statusCode: 400, message: `api-version must be ${API_VERSION}.` } };
  const resource = url.searchParams.get('resource')?.replace(/\/+$/, '');
  if (!resource) return { status: 400, body: { statusCode: 400, message: 'resource is required.' } };
  const issued = c.authority.mint(clientId, ALL_SECRET_PERMISSIONS, resource);
  c.requests.tokensIssued++;
  return {
    status: 200,
    body: {
      access_token: issued.token,
      expires_on: String(Math.floor(c.now() / 1000) + issued.expiresIn),
      resource,
      token_type: 'Bearer',
      client_id: clientId,
    },
  };
}
