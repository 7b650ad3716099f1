import { describeProviderContract } from '@hush/testkit';
import { describe } from 'vitest';
import { GcpSecretManagerProvider } from '../src/index.js';

const project = process.env.HUSH_TEST_GCP_PROJECT;
if (!project)
  console.info(
    'gcp live contract skipped: set HUSH_TEST_GCP_PROJECT (with Application Default Credentials) to run against a real project',
  );

describe.skipIf(!project)('gcp live', () => {
  // Real Secret Manager: ADC from the environment, a fresh random prefix per run, all of it deleted afterwards.
  describeProviderContract(
    `gcp live (${project})`,
    () => ({ provider: new GcpSecretManagerProvider({ project: project!, timeout: 30_000 }) }),
    { concurrentWrites: 20, timeout: 120_000 },
  );
});
