import {
  cloneGrant,
  grantKey,
  matchesFilter,
  matchesRemoval,
  type PermissionFilter,
  type PermissionGrant,
  type PermissionMatch,
  type PermissionStore,
} from '../types.js';

/** Grants held in memory: the default store, lost when the process ends. */
export class MemoryPermissionStore implements PermissionStore {
  readonly #grants = new Map<string, PermissionGrant>();

  constructor(initial: PermissionGrant[] = []) {
    for (const grant of initial) this.#grants.set(grantKey(grant), cloneGrant(grant));
  }

  async list(filter?: PermissionFilter): Promise<PermissionGrant[]> {
    const out: PermissionGrant[] = [];
    for (const grant of this.#grants.values()) if (matchesFilter(grant, filter)) out.push(cloneGrant(grant));
    return out;
  }

  async put(grant: PermissionGrant): Promise<void> {
    this.#grants.set(grantKey(grant), cloneGrant(grant));
  }

  async remove(match: PermissionMatch): Promise<number> {
    let removed = 0;
    for (const [key, grant] of this.#grants) {
      if (matchesRemoval(grant, match)) {
        this.#grants.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async replaceAll(grants: PermissionGrant[]): Promise<void> {
    this.#grants.clear();
    for (const grant of grants) this.#grants.set(grantKey(grant), cloneGrant(grant));
  }
}
