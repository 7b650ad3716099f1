import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SecretManager } from '@hush/core';
import type { Trigger } from './supervisor.js';

/** Providers whose values come from the process environment: fixed for the life of hush. */
const STATIC_KINDS = new Set(['env']);

/**
 * Where a change may come from: each local store of the chain by file events on its folder (its
 * writes are atomic renames), every other provider (Vault, AWS...) by polling at `intervalMs`.
 * `only` restricts it to one provider (`--provider`).
 */
export function watchSources(
  manager: SecretManager,
  options: { intervalMs: number; only?: string; poke: (trigger: Trigger) => void },
): { close(): void } {
  const watchers: FSWatcher[] = [];
  let poll = false;
  for (const name of manager.providerNames) {
    if (options.only && name !== options.only) continue;
    const provider = manager.getProvider(name) as { kind?: string; path?: unknown } | undefined;
    if (!provider || STATIC_KINDS.has(provider.kind ?? '')) continue;
    if (provider.kind === 'local' && typeof provider.path === 'string') {
      const file = basename(provider.path);
      try {
        const watcher = watch(dirname(provider.path), (_event, changed) => {
          if (changed === null || changed === file) options.poke('file');
        });
        watcher.on('error', () => undefined);
        watchers.push(watcher);
      } catch {
        // No folder yet (a store not created): poll it instead.
        poll = true;
      }
    } else poll = true;
  }
  const timer = poll ? setInterval(() => options.poke('poll'), options.intervalMs) : undefined;
  return {
    close() {
      for (const watcher of watchers) watcher.close();
      if (timer) clearInterval(timer);
    },
  };
}
