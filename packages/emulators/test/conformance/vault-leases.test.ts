import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../../src/index.js';
import { recorded, type Source } from './recorded.js';

// Expected answers from Vault's API documentation and from the code that answers: the system
// backend's lease handlers, the expiration manager, the TTL calculation every backend shares and
// the database engine's credential path.
const VAULT = 'hashicorp/vault';
const doc = (file: string, section: string): Source => ({
  repo: VAULT,
  file: `website/content/api-docs/${file}`,
  test: section,
});
const code = (file: string, test: string): Source => ({ repo: VAULT, file, test });
const leasesDoc = (section: string) => doc('system/leases.mdx', section);
const databaseDoc = (section: string) => doc('secret/databases/index.mdx', section);
const SYSTEM = 'vault/logical_system.go';
const EXPIRATION = 'vault/expiration.go';
const CREDS = 'builtin/logical/database/path_creds_create.go';

interface Answer {
  status: number;
  body: any;
}

let vault: VaultEmulator;
let clock = Date.UTC(2026, 5, 1, 12, 0);

async function call(method: string, path: string, body?: unknown, token = vault.rootToken): Promise<Answer> {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: {
      'x-vault-token': token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const creds = (role = 'app') => call('GET', `database/creds/${role}`);

beforeAll(async () => {
  vault = await startVaultEmulator({
    now: () => clock,
    database: {
      roles: {
        app: { defaultTtl: '1h', maxTtl: '24h' },
        short: { defaultTtl: '1h', maxTtl: '90m' },
        fixed: { defaultTtl: '10m', renewable: false },
      },
    },
    policies: {
      reader: { 'database/creds/app': ['read'] },
      revoker: { 'sys/leases/revoke-prefix/*': ['update'] },
      'revoker-sudo': { 'sys/leases/revoke-prefix/*': ['update', 'sudo'] },
    },
  });
});
afterAll(async () => {
  await vault.stop();
});

describe('Vault conformance: database credentials', () => {
  recorded(
    'creds/<role> answers a username and password under a renewable lease',
    databaseDoc('Generate Credentials: Sample Response'),
    async () => {
      const answer = await creds();
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body.data).sort()).toEqual(['password', 'username']);
      expect(answer.body.lease_id).toMatch(/^database\/creds\/app\/[A-Za-z0-9]{24}$/);
      expect(answer.body.lease_duration).toBe(3600);
      expect(answer.body.renewable).toBe(true);
      expect(answer.body.mount_type).toBe('database');
      // The default password policy: 20 characters with an upper, a lower, a digit and a dash.
      const password = answer.body.data.password as string;
      expect(password).toHaveLength(20);
      for (const kind of [/[A-Z]/, /[a-z]/, /\d/, /-/]) expect(password).toMatch(kind);
      expect(answer.body.data.username).toMatch(/^v-root-app-[A-Za-z0-9]{20}-\d+$/);
    },
  );

  recorded('each read is a new credential and a new lease', databaseDoc('Generate Credentials'), async () => {
    const [a, b] = [await creds(), await creds()];
    expect(a.body.lease_id).not.toBe(b.body.lease_id);
    expect(a.body.data.password).not.toBe(b.body.data.password);
  });

  recorded(
    'an unknown role is a 400 naming it',
    code(CREDS, 'pathCredsCreateRead: unknown role'),
    async () => {
      const answer = await creds('nobody');
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ errors: ['unknown role: nobody'] });
    },
  );

  recorded(
    "a role its connection's allowed_roles leave out is refused",
    code(CREDS, 'pathCredsCreateRead: is not an allowed role'),
    async () => {
      expect(
        (
          await call('POST', 'database/config/narrow', {
            plugin_name: 'postgresql-database-plugin',
            allowed_roles: ['other'],
            connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await call('POST', 'database/roles/outsider', {
            db_name: 'narrow',
            creation_statements: ['CREATE ROLE "{{name}}"'],
            default_ttl: '1h',
          })
        ).status,
      ).toBe(204);
      const answer = await creds('outsider');
      expect(answer.status).toBe(500);
      expect(answer.body.errors[0]).toContain('"outsider" is not an allowed role');
    },
  );

  recorded(
    'a role reads back with its TTLs in seconds',
    databaseDoc('Read Role: Sample Response'),
    async () => {
      await call('POST', 'database/roles/readback', {
        db_name: 'emulated',
        creation_statements: ['CREATE ROLE "{{name}}"'],
        default_ttl: '1h',
        max_ttl: '24h',
      });
      const role = await call('GET', 'database/roles/readback');
      expect(role.body.data).toMatchObject({ db_name: 'emulated', default_ttl: 3600, max_ttl: 86400 });
      const listed = await call('GET', 'database/roles?list=true');
      expect(listed.body.data.keys).toContain('readback');
    },
  );

  recorded(
    'reading creds needs read on the path; a token that has it gets a lease',
    doc('secret/databases/index.mdx', 'Generate Credentials (policy on database/creds/:name)'),
    async () => {
      const token = vault.createToken({ policies: ['reader'] });
      expect((await call('GET', 'database/creds/app', undefined, token)).status).toBe(200);
      expect((await call('GET', 'database/creds/short', undefined, token)).status).toBe(403);
    },
  );
});

describe('Vault conformance: sys/leases', () => {
  recorded('lookup answers the lease times', leasesDoc('Read lease: Sample response'), async () => {
    const issued = await creds();
    const answer = await call('PUT', 'sys/leases/lookup', { lease_id: issued.body.lease_id });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      id: issued.body.lease_id,
      renewable: true,
      ttl: 3600,
      last_renewal: null,
    });
    expect(Date.parse(answer.body.data.expire_time) - Date.parse(answer.body.data.issue_time)).toBe(
      3_600_000,
    );
  });

  recorded(
    'lookup without lease_id, and of an unknown lease',
    code(SYSTEM, 'handleLeaseLookup'),
    async () => {
      expect((await call('PUT', 'sys/leases/lookup', {})).body).toEqual({
        errors: ['lease_id must be specified'],
      });
      const unknown = await call('PUT', 'sys/leases/lookup', { lease_id: 'database/creds/app/nope' });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ errors: ['invalid lease'] });
    },
  );

  recorded(
    'LIST sys/leases/lookup/<prefix> lists lease ids',
    leasesDoc('List leases: Sample response'),
    async () => {
      const issued = await creds('fixed');
      const listed = await call('GET', 'sys/leases/lookup/database/creds/fixed/?list=true');
      expect(listed.status).toBe(200);
      expect(listed.body.data.keys).toContain(issued.body.lease_id.split('/').pop());
      const folders = await call('GET', 'sys/leases/lookup/database/creds?list=true');
      expect(folders.body.data.keys).toEqual(expect.arrayContaining(['app/', 'fixed/']));
    },
  );

  recorded(
    'listing leases needs sudo',
    leasesDoc('List leases: "This endpoint requires \'sudo\' capability."'),
    async () => {
      const token = vault.createToken({ policies: ['reader'] });
      expect(
        (await call('GET', 'sys/leases/lookup/database/creds/?list=true', undefined, token)).status,
      ).toBe(403);
    },
  );

  recorded(
    'renew extends the lease by the increment',
    leasesDoc('Renew lease: Sample response'),
    async () => {
      const issued = await creds();
      clock += 40 * 60_000;
      const renewed = await call('PUT', 'sys/leases/renew', {
        lease_id: issued.body.lease_id,
        increment: 1800,
      });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toMatchObject({
        lease_id: issued.body.lease_id,
        renewable: true,
        lease_duration: 1800,
      });
      const looked = await call('PUT', 'sys/leases/lookup', { lease_id: issued.body.lease_id });
      expect(looked.body.data.ttl).toBe(1800);
      expect(looked.body.data.last_renewal).not.toBeNull();
    },
  );

  recorded(
    'renew without increment asks for the role default TTL',
    code('sdk/framework/lease.go', 'CalculateTTL: increment, then backend TTL'),
    async () => {
      const issued = await creds();
      clock += 10 * 60_000;
      const renewed = await call('PUT', 'sys/leases/renew', { lease_id: issued.body.lease_id });
      expect(renewed.body.lease_duration).toBe(3600);
    },
  );

  recorded(
    'renew past the max TTL is capped, with the warning',
    code('sdk/framework/lease.go', 'CalculateTTL: TTL of %q exceeded the effective max_ttl of %q'),
    async () => {
      const issued = await creds('short');
      clock += 50 * 60_000;
      const renewed = await call('PUT', 'sys/leases/renew', {
        lease_id: issued.body.lease_id,
        increment: 3600,
      });
      expect(renewed.status).toBe(200);
      expect(renewed.body.lease_duration).toBe(40 * 60);
      expect(renewed.body.warnings).toEqual([
        'TTL of "1h0m0s" exceeded the effective max_ttl of "40m0s"; TTL value is capped accordingly',
      ]);
    },
  );

  recorded('a lease that is not renewable is refused', code(EXPIRATION, 'leaseEntry.renewable'), async () => {
    const issued = await creds('fixed');
    expect(issued.body.renewable).toBe(false);
    const refused = await call('PUT', 'sys/leases/renew', { lease_id: issued.body.lease_id });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ errors: ['lease is not renewable'] });
  });

  recorded(
    'an expired lease is revoked: renewing it is "lease not found"',
    code(EXPIRATION, 'leaseEntry.renewable: lease not found'),
    async () => {
      const issued = await creds();
      clock += 3_601_000;
      const refused = await call('PUT', 'sys/leases/renew', { lease_id: issued.body.lease_id });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ errors: ['lease not found'] });
      expect(vault.leaseIds()).not.toContain(issued.body.lease_id);
    },
  );

  recorded(
    'the lease id may be given in the URL',
    leasesDoc('Renew lease: lease_id as a path parameter'),
    async () => {
      const issued = await creds();
      const renewed = await call('PUT', `sys/leases/renew/${issued.body.lease_id}`, { increment: 60 });
      expect(renewed.body.lease_duration).toBe(60);
    },
  );

  recorded(
    'revoke ends a lease at once (sync by default)',
    code('vault/logical_system_paths.go', 'leases/revoke: sync Default true'),
    async () => {
      const issued = await creds();
      expect((await call('PUT', 'sys/leases/revoke', { lease_id: issued.body.lease_id })).status).toBe(204);
      const looked = await call('PUT', 'sys/leases/lookup', { lease_id: issued.body.lease_id });
      expect(looked.body).toEqual({ errors: ['invalid lease'] });
      // Revoking again (or an unknown lease) is not an error.
      expect((await call('PUT', 'sys/leases/revoke', { lease_id: issued.body.lease_id })).status).toBe(204);
    },
  );

  recorded(
    'revoke with sync false is accepted (202)',
    code(SYSTEM, 'handleRevoke: LazyRevoke, StatusAccepted'),
    async () => {
      const issued = await creds();
      expect(
        (await call('PUT', 'sys/leases/revoke', { lease_id: issued.body.lease_id, sync: false })).status,
      ).toBe(202);
    },
  );

  recorded('revoke-prefix ends every lease under a prefix', leasesDoc('Revoke prefix'), async () => {
    await creds('fixed');
    await creds('fixed');
    expect((await call('PUT', 'sys/leases/revoke-prefix/database/creds/fixed')).status).toBe(204);
    expect(vault.leaseIds().filter((id) => id.startsWith('database/creds/fixed/'))).toEqual([]);
  });

  recorded(
    'revoke-prefix takes a path: a partial segment revokes nothing, an exact lease id revokes that one',
    code(EXPIRATION, 'revokePrefixCommon: an exact lease id, else prefix + "/"'),
    async () => {
      const first = await creds('fixed');
      const second = await creds('fixed');
      expect((await call('PUT', 'sys/leases/revoke-prefix/database/creds/fix')).status).toBe(204);
      expect(vault.leaseIds()).toEqual(expect.arrayContaining([first.body.lease_id, second.body.lease_id]));
      expect((await call('PUT', `sys/leases/revoke-prefix/${first.body.lease_id}`)).status).toBe(204);
      expect(vault.leaseIds()).not.toContain(first.body.lease_id);
      expect(vault.leaseIds()).toContain(second.body.lease_id);
      // The older path without `leases/` is the same endpoint.
      expect((await call('PUT', 'sys/revoke-prefix/database/creds/fixed/')).status).toBe(204);
      expect(vault.leaseIds()).not.toContain(second.body.lease_id);
    },
  );

  recorded(
    'revoke-prefix with sync false is accepted (202); an empty prefix has no route (404)',
    code('vault/logical_system_paths.go', '(leases/)?revoke-prefix/(?P<prefix>.+): sync Default true'),
    async () => {
      const issued = await creds('fixed');
      expect(
        (await call('PUT', 'sys/leases/revoke-prefix/database/creds/fixed', { sync: false })).status,
      ).toBe(202);
      expect(vault.leaseIds()).not.toContain(issued.body.lease_id);
      const empty = await call('PUT', 'sys/leases/revoke-prefix/');
      expect(empty.status).toBe(404);
    },
  );

  recorded(
    'revoke-prefix needs sudo: update alone is refused (403) and revokes nothing',
    code(SYSTEM, 'PathsSpecial Root: leases/revoke-prefix/*'),
    async () => {
      const issued = await creds('fixed');
      const token = vault.createToken({ policies: ['revoker'] });
      const refused = await call('PUT', 'sys/leases/revoke-prefix/database/creds/fixed', undefined, token);
      expect(refused).toEqual({
        status: 403,
        body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
      });
      expect(vault.leaseIds()).toContain(issued.body.lease_id);
      const sudo = vault.createToken({ policies: ['revoker-sudo'] });
      expect(
        (await call('PUT', 'sys/leases/revoke-prefix/database/creds/fixed', undefined, sudo)).status,
      ).toBe(204);
      expect(vault.leaseIds()).not.toContain(issued.body.lease_id);
    },
  );

  recorded(
    'the default policy lets any token renew and look up a lease, not revoke it',
    code('vault/policy_store.go', 'defaultPolicy: sys/leases/renew, sys/leases/lookup'),
    async () => {
      const token = vault.createToken({ policies: ['reader'] });
      const issued = await call('GET', 'database/creds/app', undefined, token);
      const lease_id = issued.body.lease_id;
      expect((await call('PUT', 'sys/leases/renew', { lease_id }, token)).status).toBe(200);
      expect((await call('PUT', 'sys/leases/lookup', { lease_id }, token)).status).toBe(200);
      expect((await call('PUT', 'sys/leases/revoke', { lease_id }, token)).status).toBe(403);
    },
  );

  recorded('revoking a token revokes the leases it read', code(EXPIRATION, 'RevokeByToken'), async () => {
    const token = vault.createToken({ policies: ['reader'] });
    const issued = await call('GET', 'database/creds/app', undefined, token);
    expect((await call('POST', 'auth/token/revoke-self', {}, token)).status).toBe(204);
    expect(vault.leaseIds()).not.toContain(issued.body.lease_id);
  });

  recorded(
    'a database engine enabled through sys/mounts serves roles and credentials',
    doc('system/mounts.mdx', 'Enable Secrets Engine (type database)'),
    async () => {
      expect((await call('POST', 'sys/mounts/pg', { type: 'database' })).status).toBe(204);
      await call('POST', 'pg/config/main', { plugin_name: 'postgresql-database-plugin', allowed_roles: '*' });
      await call('POST', 'pg/roles/ro', {
        db_name: 'main',
        creation_statements: 'CREATE ROLE "{{name}}"',
        default_ttl: 300,
      });
      const issued = await call('GET', 'pg/creds/ro');
      expect(issued.body.lease_id).toMatch(/^pg\/creds\/ro\//);
      expect(issued.body.lease_duration).toBe(300);
      expect((await call('GET', 'sys/mounts')).body.data['pg/']).toMatchObject({ type: 'database' });
    },
  );
});
