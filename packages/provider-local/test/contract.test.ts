import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProviderContract } from '@hush/testkit';
import { generateMasterKey, LocalSecretProvider } from '../src/index.js';

describeProviderContract('local', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hush-local-contract-'));
  return {
    provider: new LocalSecretProvider({ root: dir, masterKey: generateMasterKey(), env: {} }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
