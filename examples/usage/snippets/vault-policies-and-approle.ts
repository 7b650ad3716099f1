import vault from 'node-vault';

const admin = vault({ endpoint: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN });

// Read-only access to API keys; full access to database secrets
await admin.addPolicy({
  name: 'app-read',
  rules: 'path "secret/data/api-keys/*" {\n  capabilities = ["read"]\n}',
});
await admin.addPolicy({
  name: 'database-read',
  rules: 'path "secret/data/database/*" {\n  capabilities = ["create", "read", "update", "delete"]\n}',
});

// vault auth enable approle; vault write auth/approle/role/myapp ...
await admin.enableAuth({ mount_point: 'approle', type: 'approle' });
await admin.write('auth/approle/role/myapp', {
  token_policies: 'app-read,database-read',
  token_ttl: '1h',
  token_max_ttl: '4h',
});

// ROLE_ID=$(vault read -field=role_id ...); SECRET_ID=$(vault write -field=secret_id -f ...)
const roleId = (await admin.read('auth/approle/role/myapp/role-id')).data.role_id;
const secretId = (await admin.write('auth/approle/role/myapp/secret-id', {})).data.secret_id;

// The application logs in with them instead of a token
await admin.write('secret/data/api-keys/openai', { data: { key: 'sk-openai-...' } });
const app = vault({ endpoint: process.env.VAULT_ADDR });
await app.approleLogin({ role_id: roleId, secret_id: secretId });
const openaiKey = (await app.read('secret/data/api-keys/openai')).data.data.key;
await app.write('secret/data/database/connection', { data: { url: 'postgresql://db/app' } });
const apiKeyWrite = await app
  .write('secret/data/api-keys/openai', { data: { key: 'overwritten' } })
  .then(() => 'allowed', (error: { response?: { statusCode?: number } }) => error.response?.statusCode);
