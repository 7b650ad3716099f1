import { ValidationError } from '@hush/core';
import type nodeVault from 'node-vault';
import type { VaultCall } from './dynamic.js';
import type { KvPaths } from './mapping.js';

/** What Vault takes as a policy name (it stores names lower-cased). */
const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * ACL policies at `sys/policies/acl/<name>`, as `vault policy write|read|list|delete` manage
 * them. Vault parses each document and refuses one with a syntax error, giving its position
 * (`At 3:5: ...`): that answer reaches the caller as a `ValidationError`.
 */
export class VaultPolicies {
  constructor(
    private readonly client: nodeVault.client,
    private readonly call: VaultCall,
    private readonly paths: KvPaths,
  ) {}

  async put(name: string, document: string): Promise<void> {
    const path = policyPath(name);
    if (document.trim() === '') throw new ValidationError(`policy '${name}' is empty`);
    await this.call('putPolicy', name, () => this.client.write(path, { policy: document }));
  }

  async get(name: string): Promise<string | null> {
    const path = policyPath(name);
    const answer = await this.call<{ data?: { policy?: string } } | null>(
      'getPolicy',
      name,
      () => this.client.read(path),
      { notFound: null },
    );
    return answer?.data?.policy ?? null;
  }

  async list(): Promise<string[]> {
    const answer = await this.call<{ data?: { keys?: unknown[] } } | null>(
      'listPolicies',
      undefined,
      () => this.client.list('sys/policies/acl'),
      { notFound: null },
    );
    return (answer?.data?.keys ?? []).map(String).sort();
  }

  async delete(name: string): Promise<boolean> {
    // Vault answers 204 whether or not the policy existed: look first, so that the answer is true.
    if ((await this.get(name)) === null) return false;
    await this.call('deletePolicy', name, () => this.client.delete(policyPath(name)));
    return true;
  }

  /** Read (and list) of every name under `prefix` in the KV mount, and nothing else. */
  readFor(prefix: string): string {
    const under = prefix.replace(/^\/+/, '');
    const quoted = (path: string) => JSON.stringify(`${path}*`);
    return [
      `# Read access to the secrets under '${under}'.`,
      `path ${quoted(this.paths.data(under))} {`,
      '  capabilities = ["read"]',
      '}',
      '',
      `path ${quoted(this.paths.metadata(under))} {`,
      '  capabilities = ["read", "list"]',
      '}',
      '',
    ].join('\n');
  }
}

function policyPath(name: string): string {
  if (!POLICY_NAME.test(name))
    throw new ValidationError(
      `invalid policy name '${name}': letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  return `sys/policies/acl/${name}`;
}
