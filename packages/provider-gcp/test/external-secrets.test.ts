import type { GcpSecretManagerEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSecretId } from '../src/index.js';
import { PROJECT, providerFor, startEmulator } from './helpers.js';

describe('externalSecrets(): how External Secrets Operator reaches this project', () => {
  let emulator: GcpSecretManagerEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('names the same project and each name by the secret id GCP holds', async () => {
    const provider = providerFor(emulator);
    try {
      await provider.set('db/password', 'eso-gcp-value');
      const backend = await provider.externalSecrets();
      expect(backend.provider).toEqual({ gcpsm: { projectID: PROJECT } });
      const { key } = backend.remoteRef('db/password');
      expect(key).toBe('db_-password');
      expect(fromSecretId(key, 'escape')).toBe('db/password');
      expect(backend.remoteRef('a.b_c')).toEqual({ key: 'a_db__c' });
    } finally {
      await provider.dispose();
    }
  });
});
