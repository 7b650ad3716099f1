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

/**
 * Grants held in memory: the default store, lost when the process ends. Indexed by accessor,
 * since every check asks for one accessor's grants. Listed grants are shallow copies: treat their
 * dates as read-only.
 */
export class MemoryPermissionStore implements PermissionStore {
  readonly #byAccessor = new Map<string, Map<string, PermissionGrant>>();

  constructor(initial: PermissionGrant[] = []) {
    for (const grant of initial) this.#add(grant);
  }

  async list(filter: PermissionFilter = {}): Promise<PermissionGrant[]> {
    return this.listSync(filter);
  }

  listSync(filter: PermissionFilter = {}): PermissionGrant[] {
    const out: PermissionGrant[] = [];
    const groups =
      filter.accessor === undefined
        ? [...this.#byAccessor.values()]
        : [this.#byAccessor.get(filter.accessor) ?? new Map()];
    for (const group of groups)
      for (const grant of group.values()) if (matchesFilter(grant, filter)) out.push({ ...grant });
    return out;
  }

  async put(grant: PermissionGrant): Promise<void> {
    this.#add(grant);
  }

  async remove(match: PermissionMatch): Promise<number> {
    const group = this.#byAccessor.get(match.accessor);
    if (!group) return 0;
    let removed = 0;
    for (const [key, grant] of group) {
      if (matchesRemoval(grant, match)) {
        group.delete(key);
        removed++;
      }
    }
    if (group.size === 0) this.#byAccessor.delete(match.accessor);
    return removed;
  }

  async replaceAll(grants: PermissionGrant[]): Promise<void> {
    this.#byAccessor.clear();
    for (const grant of grants) this.#add(grant);
  }

  #add(grant: PermissionGrant): void {
    let group = this.#byAccessor.get(grant.accessor);
    if (!group) {
      group = new Map();
      this.#byAccessor.set(grant.accessor, group);
    }
    group.set(grantKey(grant), cloneGrant(grant));
  }
}
