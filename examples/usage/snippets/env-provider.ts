import { EnvSecretProvider } from '@hush/provider-env';

const provider = new EnvSecretProvider({
  prefix: 'CLAUDE_SECRET_',
  uppercaseNames: true,
  allowUnprefixed: false,
});

await provider.initialize();
