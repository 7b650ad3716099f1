import { defineProviderPlugin } from '@hush/core';
import { AgentProvider, type AgentProviderOptions } from './provider.js';

export { defaultSocketPath, defaultTokenFile, TOKEN_HEADER } from './paths.js';
export type { AgentProviderOptions } from './provider.js';
export { AgentProvider } from './provider.js';

/** `kind: agent` in hush configuration: first in the chain, in front of the providers it falls over to. */
export default defineProviderPlugin<AgentProviderOptions>({
  kind: 'agent',
  create(options, context) {
    return new AgentProvider({ name: context.name, ...options }, context.env);
  },
});
