import { LocalSecretProvider } from '@hush/provider-local';

const provider = new LocalSecretProvider({
  storePath: '.claude/secrets/local.enc.json',
  masterKey: process.env.CLAUDE_SECRETS_MASTER_KEY,
  createIfMissing: true,
  fileMode: 0o600, // Owner read/write only
});

await provider.initialize();
