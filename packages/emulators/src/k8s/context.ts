import type { FaultInjector } from '../faults.js';
import type { TokenAuthority } from './auth.js';
import type { KubernetesState } from './state.js';

/** Operations counted in `calls`, after the API verbs (`update` is a PUT, named `replace` in the client). */
export type KubernetesOperation = 'get' | 'list' | 'create' | 'replace' | 'patch' | 'delete';

export interface RouteContext {
  state: KubernetesState;
  auth: TokenAuthority;
  faults: FaultInjector;
  calls: Record<KubernetesOperation | 'total', number>;
  /** `namespace/name` → reads left after which the Secret's resourceVersion is bumped (test hook). */
  staleAfterRead: Map<string, number>;
  bump(namespace: string, name: string): string;
}
