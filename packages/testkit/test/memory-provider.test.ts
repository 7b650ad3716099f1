import { describeProviderContract, MemoryProvider } from '@hush/testkit';

describeProviderContract('memory', () => ({ provider: new MemoryProvider() }));

describeProviderContract('memory with batch get', () => ({
  provider: new MemoryProvider({ name: 'batched', batchGet: true }),
}));

describeProviderContract('memory, read-only', () => {
  const provider = new MemoryProvider({ name: 'readonly', readOnly: true });
  return { provider, seed: (entries) => provider.seed(entries) };
});
