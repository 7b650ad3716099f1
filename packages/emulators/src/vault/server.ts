import { randomBytes, randomUUID } from 'node:crypto';
import { FaultInjector } from '../faults.js';
import { startHttpEndpoint } from '../server/http.js';
import { revokeLeasesOf } from './lease-routes.js';
import {
  addSecretId,
  applyOptions,
  routerSettings,
  seconds,
  type VaultEmulator,
  type VaultEmulatorOptions,
} from './options.js';
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

/** A service-account-shaped JWT (unsigned: the emulator only compares the string). */
function fakeServiceAccountJwt(name: string, namespace: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    encode({ alg: 'RS256', kid: 'hush-emulator' }),
    encode({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/service-account.name': name,
      sub: `system:serviceaccount:${namespace}:${name}`,
      jti: randomUUID(),
    }),
    randomBytes(32).toString('base64url'),
  ].join('.');
}

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
  const changed = () => {
    state.dirty = true;
    state.save();
  };
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
    createToken(init) {
      const token = state.issueToken({
        id: init.id,
        policies: init.policies.includes('root') ? init.policies : [...init.policies, 'default'],
        ttl: seconds(init.ttl, settings.defaultTokenTtl),
        maxTtl: seconds(init.maxTtl, settings.maxTokenTtl),
        renewable: init.renewable ?? true,
        displayName: 'token',
        path: 'auth/token/create',
      });
      state.save();
      return token.id;
    },
    expireToken(token) {
      const found = state.data.tokens[token];
      if (found) found.expireTime = state.now() - 1;
      changed();
    },
    revokeToken(token) {
      const found = state.data.tokens[token];
      if (found) revokeLeasesOf({ state, settings }, found.accessor);
      delete state.data.tokens[token];
      changed();
    },
    appRoleCredentials(roleName) {
      const role = state.data.approle[roleName];
      if (!role) throw new Error(`no AppRole role '${roleName}'`);
      const secretId = randomUUID();
      addSecretId(state, roleName, secretId, role.secretIdTtl);
      changed();
      return { roleId: role.roleId, secretId };
    },
    addServiceAccount(account) {
      const jwt = account.jwt ?? fakeServiceAccountJwt(account.name, account.namespace);
      state.data.kubernetes.serviceAccounts[jwt] = {
        name: account.name,
        namespace: account.namespace,
        uid: randomUUID(),
      };
      changed();
      return jwt;
    },
    leaseIds() {
      const ids = state.leasesUnder('').map((lease) => lease.id);
      state.save();
      return ids;
    },
    advanceClock(ms) {
      state.clockOffsetMs += ms;
    },
    async stop() {
      await endpoint.stop();
      state.save();
    },
  };
}
