import type { ProviderListOptions, SecretInfo } from '@hush/core';
import { infoOf, nameOfEntry, OPAQUE, pathOfSecret, WHOLE_SECRET_ENTRY } from './mapping.js';
import type { K8sSession } from './session.js';

/** Every hush secret of the namespace (Opaque Secrets only), paging with `limit`/`continue`. */
export async function listSecrets(session: K8sSession, options: ProviderListOptions): Promise<SecretInfo[]> {
  const out: SecretInfo[] = [];
  let token: string | undefined;
  do {
    const page = await session.request('list', undefined, options.abortSignal, (api) =>
      api.listNamespacedSecret({
        namespace: session.namespace,
        limit: session.pageSize,
        ...(token ? { _continue: token } : {}),
        ...(session.labelSelector ? { labelSelector: session.labelSelector } : {}),
      }),
    );
    for (const secret of page.items) {
      if ((secret.type ?? OPAQUE) !== OPAQUE) continue;
      const path = pathOfSecret(secret);
      if (path === undefined) continue;
      const entries = session.mode === 'secret' ? [WHOLE_SECRET_ENTRY] : Object.keys(secret.data ?? {});
      for (const entry of entries) {
        const key = nameOfEntry(path, entry, session.mode, session.defaultKey);
        if (options.prefix && !key.startsWith(options.prefix)) continue;
        out.push(infoOf(secret, key, entry, session.name));
      }
    }
    token = page.metadata?._continue || undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
