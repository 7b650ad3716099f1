import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../../src/index.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from Vault's policy API documentation, its policy parser (vault/policy.go) and
// the HCL v1 parser it uses (whose errors carry `At <line>:<column>:`).
const policiesDoc = (section: string): Source => ({
  repo: 'hashicorp/vault',
  file: 'website/content/api-docs/system/policies.mdx',
  test: section,
});
const parser = (test: string): Source => ({ repo: 'hashicorp/vault', file: 'vault/policy.go', test });
const hcl = (test: string): Source => ({ repo: 'hashicorp/hcl', file: 'hcl/parser/parser_test.go', test });

let vault: VaultEmulator;

async function call(method: string, path: string, body?: unknown, token = vault.rootToken) {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const put = (name: string, policy: string) => call('PUT', `sys/policies/acl/${name}`, { policy });

beforeAll(async () => {
  vault = await startVaultEmulator();
});
afterAll(async () => {
  await vault.stop();
});

describe('Vault conformance: ACL policies', () => {
  recorded(
    'a policy is written, read back as written, listed and deleted',
    policiesDoc('Create/Update ACL policy; Read ACL policy; List ACL policies; Delete ACL policy'),
    async () => {
      const name = unique('app');
      const text = '# app readers\npath "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n';
      expect((await put(name, text)).status).toBe(204);
      const read = await call('GET', `sys/policies/acl/${name}`);
      expect(read.body.data).toEqual({ name, policy: text });
      const listed = await call('GET', 'sys/policies/acl?list=true');
      expect(listed.body.data.keys).toEqual(expect.arrayContaining(['default', 'root', name]));
      expect((await call('DELETE', `sys/policies/acl/${name}`)).status).toBe(204);
      expect((await call('GET', `sys/policies/acl/${name}`)).status).toBe(404);
    },
  );

  recorded(
    'what is stored is enforced on the next request',
    policiesDoc('Create/Update ACL policy (the policy applies to tokens that carry it)'),
    async () => {
      const name = unique('scoped');
      await put(name, 'path "secret/data/scoped/*" { capabilities = ["create", "read"] }');
      const token = vault.createToken({ policies: [name] });
      expect((await call('POST', 'secret/data/scoped/a', { data: { v: '1' } }, token)).status).toBe(200);
      expect((await call('GET', 'secret/data/scoped/a', undefined, token)).status).toBe(200);
      expect((await call('GET', 'secret/data/other/a', undefined, token)).status).toBe(403);
      // Narrowing the policy takes effect at once for the same token.
      await put(name, 'path "secret/data/scoped/*" { capabilities = ["deny"] }');
      expect((await call('GET', 'secret/data/scoped/a', undefined, token)).status).toBe(403);
    },
  );

  recorded(
    'a list without its comma is refused with the position',
    hcl('TestListOfMaps_requiresComma ("error parsing list, expected comma or list end")'),
    async () => {
      const refused = await put(unique('bad'), 'path "secret/*" {\n  capabilities = ["read"\n}\n');
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        'failed to parse policy: At 3:1: error parsing list, expected comma or list end, got: RBRACE',
      ]);
    },
  );

  recorded(
    'an unterminated string is refused with its position',
    hcl('scanner: literal not terminated'),
    async () => {
      const refused = await put(unique('bad'), 'path "secret/* {\n  capabilities = ["read"]\n}\n');
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toBe('failed to parse policy: At 1:17: literal not terminated');
    },
  );

  recorded(
    'a block that is never closed is refused at the end of the text',
    hcl('unterminated_object.hcl'),
    async () => {
      const refused = await put(unique('bad'), 'path "secret/*" {\n  capabilities = ["read"]\n');
      expect(refused.body.errors[0]).toMatch(
        /^failed to parse policy: At 3:1: object expected closing RBRACE got: EOF$/,
      );
    },
  );

  recorded('an unknown capability is refused', parser('parsePaths: invalid capability'), async () => {
    const refused = await put(unique('bad'), 'path "secret/*" { capabilities = ["reed"] }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toBe('failed to parse policy: path "secret/*": invalid capability "reed"');
  });

  recorded(
    'an unknown top-level key is refused',
    parser('parseACLPolicyWithTemplating: CheckHCLKeys'),
    async () => {
      const refused = await put(unique('bad'), 'path "a" { capabilities = ["read"] }\nrule "b" { x = 1 }\n');
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toContain('invalid key "rule" on line 2');
    },
  );

  recorded('the old policy = "read" form is accepted', parser('parsePaths: OldReadPathPolicy'), async () => {
    const name = unique('old');
    expect((await put(name, 'path "secret/data/old/*" { policy = "read" }')).status).toBe(204);
    const token = vault.createToken({ policies: [name] });
    await call('POST', 'secret/data/old/x', { data: { v: '1' } });
    expect((await call('GET', 'secret/data/old/x', undefined, token)).status).toBe(200);
  });

  recorded(
    'the JSON form is accepted',
    policiesDoc('Create/Update ACL policy: policy (HCL or JSON)'),
    async () => {
      const name = unique('json');
      const text = JSON.stringify({ path: { 'secret/data/json/*': { capabilities: ['read'] } } });
      expect((await put(name, text)).status).toBe(204);
      const token = vault.createToken({ policies: [name] });
      await call('POST', 'secret/data/json/x', { data: { v: '1' } });
      expect((await call('GET', 'secret/data/json/x', undefined, token)).status).toBe(200);
    },
  );

  recorded('the root policy cannot be changed', policiesDoc('Create/Update ACL policy'), async () => {
    const refused = await put('root', 'path "*" { capabilities = ["read"] }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toBe('cannot update "root" policy');
  });
});
