import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
  startVaultEmulator,
  type VaultEmulator,
} from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const READ_POLICY = ['path "secret/data/app/dev/*" {', '  capabilities = ["read"]', '}', ''].join('\n');

/** `hush policy` on Vault's `sys/policies/acl` (the emulator enforces what it stores). */
describe('hush policy set|get|list|delete on Vault', () => {
  let vault: VaultEmulator;
  const { run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: vault',
        "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0, requestTimeout: 5s }",
        '',
      ].join('\n'),
      'app-dev-read.hcl': READ_POLICY,
      'broken.hcl': 'path "secret/data/*" {\n  capabilities = ["read"]\n  oops = \n',
    },
    { init: false },
  );
  const as = (token: string) => (args: string[], input?: string) =>
    run(args, {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token },
      ...(input !== undefined ? { input } : {}),
    });
  const root = (args: string[], input?: string) => as(vault.rootToken)(args, input);

  /** A token holding only the named policies, as `vault token create -policy=...` makes it. */
  const tokenWith = async (policies: string[]): Promise<string> => {
    const response = await fetch(`${vault.url}/v1/auth/token/create`, {
      method: 'POST',
      headers: { 'x-vault-token': vault.rootToken },
      body: JSON.stringify({ policies, no_default_policy: true }),
    });
    return ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
  };

  beforeAll(async () => {
    vault = await startVaultEmulator();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('writes a policy from a file, reads it back, lists it, and Vault enforces it', async () => {
    const value = plant('policy-dev-value-7c1');
    expect((await root(['set', 'app/dev/db-password'], value)).code).toBe(0);
    expect((await root(['set', 'app/prod/db-password'], plant('policy-prod-value-9d2'))).code).toBe(0);

    const set = await root(['policy', 'set', 'app-dev-read', 'app-dev-read.hcl']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain("policy 'app-dev-read' written to vault");
    const got = await root(['policy', 'get', 'app-dev-read']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(READ_POLICY);
    const listed = await root(['policy', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining(['app-dev-read', 'default', 'root']));

    const reader = as(await tokenWith(['app-dev-read']));
    const allowed = await reader(['get', 'app/dev/db-password']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toBe(`${value}\n`);
    expect((await reader(['get', 'app/prod/db-password'])).code).toBe(4);
  });

  it('refuses a file that does not parse with the position of the error (exit 2), keeping the stored policy', async () => {
    const broken = await root(['policy', 'set', 'app-dev-read', 'broken.hcl']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.hcl: .*At \d+:\d+: /);
    expect((await root(['policy', 'get', 'app-dev-read'])).stdout).toBe(READ_POLICY);
    expect((await root(['policy', 'set', 'app-dev-read', 'missing.hcl'])).code).toBe(1);
  });

  it('deletes a policy; an unknown one is not found (exit 3) on get and delete', async () => {
    const deleted = await root(['policy', 'delete', 'app-dev-read']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await root(['policy', 'get', 'app-dev-read'])).code).toBe(3);
    expect((await root(['policy', 'delete', 'app-dev-read'])).code).toBe(3);
    const listed = JSON.parse((await root(['policy', 'list', '--json'])).stdout) as string[];
    expect(listed).not.toContain('app-dev-read');
  });
});

/** `hush policy set --provider aws`: a secret's resource policy, checked by ValidateResourcePolicy. */
describe('hush policy on AWS Secrets Manager resource policies', () => {
  let aws: AwsSecretsManagerEmulator;
  const narrow = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:role/app' },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
      },
    ],
  });
  const open = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
  });
  const { run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '      - kind: aws',
      "        options: { endpoint: '${env:AWS_ENDPOINT}', region: us-east-1, readTags: false, maxAttempts: 1 }",
      '    defaultWriteProvider: aws',
      '',
    ].join('\n'),
    'narrow.json': narrow,
    'open.json': open,
    'broken.json': '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow" ,, }\n  ]\n}\n',
  });
  const withAws = (args: string[], input?: string) =>
    run(args, {
      env: {
        AWS_ENDPOINT: aws.url,
        AWS_ACCESS_KEY_ID: aws.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        HUSH_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      },
      ...(input !== undefined ? { input } : {}),
    });

  beforeAll(async () => {
    aws = await startAwsSecretsManagerEmulator();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('sets, gets and deletes the resource policy of a secret', async () => {
    expect((await withAws(['set', 'db/password'], plant('aws-policy-value-3f8'))).code).toBe(0);
    const set = await withAws(['policy', 'set', '--provider', 'aws', 'db/password', 'narrow.json']);
    expect(set.code, set.stderr).toBe(0);
    const got = await withAws(['policy', 'get', '--provider', 'aws', 'db/password', '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(JSON.parse(got.stdout).policy)).toEqual(JSON.parse(narrow));
    expect((await withAws(['policy', 'delete', '--provider', 'aws', 'db/password'])).code).toBe(0);
    expect((await withAws(['policy', 'get', '--provider', 'aws', 'db/password'])).code).toBe(3);
    expect((await withAws(['policy', 'delete', '--provider', 'aws', 'db/password'])).code).toBe(3);
  });

  it('refuses a policy ValidateResourcePolicy finds open to everyone, and JSON that does not parse, saying where', async () => {
    const opened = await withAws(['policy', 'set', '--provider', 'aws', 'db/password', 'open.json']);
    expect(opened.code).toBe(2);
    expect(opened.stderr).toContain('BROAD_ACCESS');
    const broken = await withAws(['policy', 'set', '--provider', 'aws', 'db/password', 'broken.json']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.json: syntax error at line 4, column');
    expect((await withAws(['policy', 'get', '--provider', 'aws', 'db/password'])).code).toBe(3);
    const unknown = await withAws(['policy', 'set', '--provider', 'aws', 'no/such', 'narrow.json']);
    expect(unknown.code).toBe(3);
  });

  it('lists no policies on AWS (a resource policy belongs to a secret) and names the local store as lacking them', async () => {
    const listed = await withAws(['policy', 'list', '--provider', 'aws']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain("provider 'aws' (kind aws) does not support listing policies");
    expect((await withAws(['policy', 'get', '--provider', 'local', 'x'])).code).toBe(1);
  });
});
