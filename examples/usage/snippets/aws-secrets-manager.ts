import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

// aws secretsmanager create-secret --name claude/api --secret-string '{"claude_api_key":"sk-ant-..."}'
const client = new SecretsManagerClient({});
await client.send(
  new CreateSecretCommand({ Name: 'claude/api', SecretString: '{"claude_api_key":"sk-ant-..."}' }),
);

// client.get_secret_value(SecretId='claude/api'); json.loads(response['SecretString'])
const response = await client.send(new GetSecretValueCommand({ SecretId: 'claude/api' }));
const secret = JSON.parse(response.SecretString!);
