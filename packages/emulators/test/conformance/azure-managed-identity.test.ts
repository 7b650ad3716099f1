import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '../../src/index.js';
import { call } from '../support/azure-wire.js';
import { recorded, type Source } from './recorded.js';

// The managed-identity endpoint of App Service, Functions and Container Apps: the request MSAL
// sends (its AppService source) and the answer Microsoft documents for it.
const MSAL: Source = {
  repo: 'AzureAD/microsoft-authentication-library-for-js',
  file: 'lib/msal-node/src/client/ManagedIdentitySources/AppService.ts',
  test: 'createRequest: GET IDENTITY_ENDPOINT, X-IDENTITY-HEADER, api-version=2019-08-01, resource',
};
const DOCS: Source = {
  repo: 'MicrosoftDocs/azure-docs',
  file: 'articles/app-service/overview-managed-identity.md',
  test: 'REST endpoint reference: access_token, expires_on, resource, token_type, client_id',
};

let kv: AzureKeyVaultEmulator;
const clock = Date.UTC(2026, 4, 1);

beforeAll(async () => {
  kv = await startAzureKeyVaultEmulator({ now: () => clock });
});
afterAll(async () => {
  await kv.stop();
});

function token(
  query: string,
  header: string | null = kv.identityHeader,
): Promise<{ status: number; body: any }> {
  const url = new URL(`${kv.identityEndpoint}?${query}`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = header === null ? {} : { 'x-identity-header': header };
    const req = httpsRequest(url, { method: 'GET', headers, ca: kv.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Azure managed identity (App Service) conformance', () => {
  recorded(
    'answers a token for the resource, with expires_on in epoch seconds as a string',
    DOCS,
    async () => {
      const answer = await token('api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        access_token: expect.any(String),
        expires_on: String(Math.floor(clock / 1000) + 3600),
        resource: 'https://vault.azure.net',
        token_type: 'Bearer',
        client_id: kv.clientId,
      });
      // The token opens the vault.
      const listed = await call(kv, 'GET', '/secrets', { token: answer.body.access_token });
      expect(listed.status).toBe(200);
    },
  );

  recorded('refuses a request without the identity header of the host', MSAL, async () => {
    const query = 'api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net';
    expect((await token(query, null)).status).toBe(401);
    expect((await token(query, 'someone-else')).status).toBe(401);
  });

  recorded('takes only the api-version MSAL sends, and needs a resource', MSAL, async () => {
    expect((await token('api-version=2017-09-01&resource=https%3A%2F%2Fvault.azure.net')).status).toBe(400);
    expect((await token('api-version=2019-08-01')).status).toBe(400);
  });
});
