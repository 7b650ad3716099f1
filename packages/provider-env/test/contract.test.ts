import { describeProviderContract } from '@hush/testkit';
import { EnvSecretProvider, toVariableName } from '../src/index.js';

// Planted names keep their slashes through the mapping table, which is how a user fixes the
// lossy way back from variable names (see the README).
describeProviderContract('env', () => {
  const env: Record<string, string> = {};
  const mapping: Record<string, string> = {};
  return {
    provider: new EnvSecretProvider({ env, mapping, live: true }),
    seed: (entries) => {
      for (const [name, value] of Object.entries(entries)) {
        mapping[name] = toVariableName(name);
        env[mapping[name]] = value;
      }
    },
  };
});
