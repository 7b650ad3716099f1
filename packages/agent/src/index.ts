export { defaultSocketPath, defaultTokenFile, TOKEN_HEADER } from '@hush/provider-agent';
export type { AgentManagerHandle, AgentOptions } from './agent.js';
export { Agent, parseListen, startAgent } from './agent.js';
export { unchangedProviders } from './reload.js';
