import vault from 'node-vault';

// vault kv put secret/claude/api claude_api_key="sk-ant-..."
const client = vault({ endpoint: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN });
await client.write('secret/data/claude/api', { data: { claude_api_key: 'sk-ant-...' } });

// client.secrets.kv.v2.read_secret_version(path='claude/api')
const secret = await client.read('secret/data/claude/api');
const api_key = secret.data.data.claude_api_key;
