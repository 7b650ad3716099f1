import { randomBytes, randomUUID } from 'node:crypto';
import { revokeLeasesOf } from './lease-routes.js';
import { addSecretId, seconds, type VaultEmulator } from './options.js';
import type { RouterSettings } from './responses.js';
import type { VaultState } from './state.js';

/** What a test drives the emulator's state with, besides the HTTP API: tokens, AppRole, service accounts, leases. */
export type VaultControls = Pick<
  VaultEmulator,
  'createToken' | 'expireToken' | 'revokeToken' | 'appRoleCredentials' | 'addServiceAccount' | 'leaseIds'
>;

export function vaultControls(state: VaultState, settings: RouterSettings): VaultControls {
  const changed = () => {
    state.dirty = true;
    state.save();
  };
  return {
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
  };
}

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
