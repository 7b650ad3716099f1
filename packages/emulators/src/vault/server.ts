import { FaultInjector } from '../faults.js';
import { startHttpEndpoint } from '../server/http.js';
import { vaultControls } from './controls.js';
import { applyOptions, routerSettings, type VaultEmulator, type VaultEmulatorOptions } from './options.js';
import { VaultRouter } from './router.js';
import { VaultState } from './state.js';
import { acceptListVerb, httpHandler } from './transport.js';

export type {
  VaultAppRoleConfig,
  VaultDatabaseRoleConfig,
  VaultDuration,
  VaultEmulator,
  VaultEmulatorOptions,
  VaultKubernetesRoleConfig,
  VaultServiceAccount,
  VaultTokenInit,
} from './options.js';

/** Starts a local server speaking HashiCorp Vault's HTTP API (token, AppRole, Kubernetes auth; KV v2; database credentials and leases). */
export async function startVaultEmulator(options: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
  const state = new VaultState(options.snapshotFile, options.now);
  const settings = routerSettings(options, state);
  const rootToken = applyOptions(state, settings, options);
  const transport = {
    router: new VaultRouter(state, settings),
    state,
    settings,
    faults: new FaultInjector(options.faults, options.random),
    counters: {} as Record<string, number>,
  };
  const endpoint = await startHttpEndpoint({ ...options, handler: httpHandler(transport) });
  endpoint.server.keepAliveTimeout = 5_000;
  acceptListVerb(endpoint.server, transport);
  const { counters } = transport;

  return {
    url: endpoint.url,
    port: endpoint.port,
    rootToken,
    kvMounts: settings.kvMounts,
    faults: transport.faults,
    counters,
    resetCounters() {
      for (const key of Object.keys(counters)) delete counters[key];
    },
    ...vaultControls(state, settings),
    advanceClock(ms) {
      state.clockOffsetMs += ms;
    },
    async stop() {
      await endpoint.stop();
      state.save();
    },
  };
}
