import type { IncomingMessage } from 'node:http';
import { statuses } from './status.js';

export type SecretVerb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export const ALL_VERBS: readonly SecretVerb[] = ['get', 'list', 'create', 'update', 'patch', 'delete'];

/** What one bearer token may do, as an RBAC Role bound in some namespaces would allow. */
export interface KubernetesTokenGrant {
  /** The user name that appears in Forbidden messages. */
  user: string;
  /** Namespaces this token may touch; `'*'` (the default) means every namespace and cluster-wide lists. */
  namespaces?: string[] | '*';
  /** Verbs allowed on secrets (default: all). */
  verbs?: SecretVerb[];
}

export class TokenAuthority {
  readonly #grants = new Map<string, KubernetesTokenGrant>();

  constructor(grants: Record<string, KubernetesTokenGrant>) {
    for (const [token, grant] of Object.entries(grants)) this.#grants.set(token, grant);
  }

  add(token: string, grant: KubernetesTokenGrant): void {
    this.#grants.set(token, grant);
  }

  revoke(token: string): void {
    this.#grants.delete(token);
  }

  /** Authentication: a known bearer token, or a 401 `Status`. */
  authenticate(req: IncomingMessage): KubernetesTokenGrant {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const grant = match ? this.#grants.get(match[1]!) : undefined;
    if (!grant) throw statuses.unauthorized();
    return grant;
  }

  /** Authorization: the verb in the namespace (undefined = cluster scope), or a 403 `Status`. */
  authorize(
    grant: KubernetesTokenGrant,
    verb: SecretVerb,
    namespace: string | undefined,
    name?: string,
  ): void {
    const namespaces = grant.namespaces ?? '*';
    const namespaceAllowed =
      namespaces === '*' || (namespace !== undefined && namespaces.includes(namespace));
    const verbAllowed = (grant.verbs ?? ALL_VERBS).includes(verb);
    if (!namespaceAllowed || !verbAllowed) throw statuses.forbidden(grant.user, verb, namespace, name);
  }
}
