export type { ContractOptions, ProviderFactory, ProviderUnderTest } from './contract.js';
export { describeProviderContract } from './contract.js';
export { findSecretValue } from './leaks.js';
export type { MemoryFaults, MemoryProviderOptions } from './memory-provider.js';
export { MemoryProvider } from './memory-provider.js';
