export type { ContractOptions, ProviderFactory } from './contract.js';
export { describeProviderContract } from './contract.js';
export type { ProviderUnderTest } from './contract-context.js';
export type { LeakFault, WriteLeakOptions } from './leaks.js';
export { describeWriteLeakChecks, findSecretValue, leaksOf } from './leaks.js';
export type { MemoryFaults, MemoryProviderOptions } from './memory-provider.js';
export { MemoryProvider } from './memory-provider.js';
