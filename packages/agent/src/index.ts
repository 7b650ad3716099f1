export type { AgentManagerHandle, AgentOptions } from './agent.js';
export { Agent, parseListen, startAgent } from './agent.js';
export { defaultSocketPath, defaultTokenFile, TOKEN_HEADER } from './paths.js';
export { unchangedProviders } from './reload.js';
