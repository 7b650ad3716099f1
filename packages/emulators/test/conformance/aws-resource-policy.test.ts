import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '../../src/index.js';
import { sign } from '../support/sigv4.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from the Secrets Manager API reference and the examples the service model
// ships with (the SDK's command documentation is generated from them).
const SDK = 'aws/aws-sdk-js-v3';
const example = (command: string, section: string): Source => ({
  repo: SDK,
  file: `clients/client-secrets-manager/src/commands/${command}Command.ts`,
  test: section,
});
const reference = (operation: string, section: string): Source => ({
  repo: 'docs.aws.amazon.com',
  file: `secretsmanager/latest/apireference/API_${operation}.html`,
  test: section,
});

const OWN_ACCOUNT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    },
  ],
});
const PUBLIC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
});

let emulator: AwsSecretsManagerEmulator;

interface Answer {
  status: number;
  body: Record<string, any>;
}

/** One signed JSON 1.1 call. */
async function call(target: string, input: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify(input);
  const headers = sign(new URL(emulator.url).host, target, body, {
    accessKeyId: emulator.accessKeyId,
    secretAccessKey: emulator.secretAccessKey,
    region: emulator.region,
    date: new Date(),
  });
  delete headers.host;
  const response = await fetch(emulator.url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function ok(target: string, input: Record<string, unknown>): Promise<Record<string, any>> {
  const answer = await call(target, input);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

async function refused(target: string, input: Record<string, unknown>, type: string): Promise<string> {
  const answer = await call(target, input);
  expect(answer.status).toBe(400);
  expect(answer.body.__type).toBe(type);
  return String(answer.body.Message ?? answer.body.message);
}

async function secret(): Promise<string> {
  const name = unique('policy');
  await ok('CreateSecret', { Name: name, SecretString: 'v', ClientRequestToken: randomUUID() });
  return name;
}

const policyOf = async (name: string) => (await ok('GetResourcePolicy', { SecretId: name })).ResourcePolicy;

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

describe('AWS Secrets Manager conformance: resource policies', () => {
  recorded(
    'PutResourcePolicy answers ARN and Name; GetResourcePolicy gives the policy back',
    example('GetResourcePolicy', 'To retrieve the resource-based policy attached to a secret'),
    async () => {
      const name = await secret();
      const put = await ok('PutResourcePolicy', { SecretId: name, ResourcePolicy: OWN_ACCOUNT });
      expect(put.Name).toBe(name);
      expect(put.ARN).toMatch(new RegExp(`:secret:${name}-[A-Za-z0-9]{6}$`));
      const got = await ok('GetResourcePolicy', { SecretId: name });
      expect(got).toEqual({ ARN: put.ARN, Name: name, ResourcePolicy: OWN_ACCOUNT });
    },
  );

  recorded(
    'GetResourcePolicy of a secret without one has no ResourcePolicy',
    reference('GetResourcePolicy', 'Response Elements (ResourcePolicy: not required)'),
    async () => {
      const got = await ok('GetResourcePolicy', { SecretId: await secret() });
      expect(got.ResourcePolicy).toBeUndefined();
      expect(got.Name).toBeDefined();
    },
  );

  recorded(
    'DeleteResourcePolicy removes it and answers ARN and Name',
    example('DeleteResourcePolicy', 'To delete the resource-based policy attached to a secret'),
    async () => {
      const name = await secret();
      await ok('PutResourcePolicy', { SecretId: name, ResourcePolicy: OWN_ACCOUNT });
      const deleted = await ok('DeleteResourcePolicy', { SecretId: name });
      expect(Object.keys(deleted).sort()).toEqual(['ARN', 'Name']);
      expect(await policyOf(name)).toBeUndefined();
    },
  );

  recorded(
    'ValidateResourcePolicy passes a policy for one account',
    example('ValidateResourcePolicy', 'To validate a resource-based policy to a secret'),
    async () => {
      const answer = await ok('ValidateResourcePolicy', {
        SecretId: await secret(),
        ResourcePolicy: OWN_ACCOUNT,
      });
      expect(answer.PolicyValidationPassed).toBe(true);
      expect(answer.ValidationErrors).toEqual([]);
    },
  );

  recorded(
    'ValidateResourcePolicy reports broad access (a wildcard principal)',
    reference('ValidateResourcePolicy', 'the automated reasoning check for broad access'),
    async () => {
      const answer = await ok('ValidateResourcePolicy', { ResourcePolicy: PUBLIC });
      expect(answer.PolicyValidationPassed).toBe(false);
      expect(answer.ValidationErrors?.[0]?.CheckName).toBe('BROAD_ACCESS');
      // A condition on the caller's account narrows the wildcard.
      const narrowed = JSON.parse(PUBLIC);
      narrowed.Statement[0].Condition = { StringEquals: { 'aws:PrincipalAccount': '123456789012' } };
      const passed = await ok('ValidateResourcePolicy', { ResourcePolicy: JSON.stringify(narrowed) });
      expect(passed.PolicyValidationPassed).toBe(true);
    },
  );

  recorded(
    'ValidateResourcePolicy reports a policy that locks every caller out',
    reference('ValidateResourcePolicy', 'Verifies the policy does not lock out a caller'),
    async () => {
      const lockout = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:*', Resource: '*' }],
      });
      const answer = await ok('ValidateResourcePolicy', { ResourcePolicy: lockout });
      expect(answer.PolicyValidationPassed).toBe(false);
      expect(answer.ValidationErrors?.map((e: { CheckName: string }) => e.CheckName)).toContain('LOCKOUT');
    },
  );

  recorded(
    'a document with a syntax error is MalformedPolicyDocumentException',
    reference('PutResourcePolicy', 'Errors: MalformedPolicyDocumentException'),
    async () => {
      const name = await secret();
      for (const bad of [
        '{"Version": "2012-10-17", "Statement": [',
        JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*' }] }),
      ]) {
        await refused(
          'PutResourcePolicy',
          { SecretId: name, ResourcePolicy: bad },
          'MalformedPolicyDocumentException',
        );
      }
      await refused(
        'ValidateResourcePolicy',
        { ResourcePolicy: '{"Statement": "x"}' },
        'MalformedPolicyDocumentException',
      );
      // Nothing was stored.
      expect(await policyOf(name)).toBeUndefined();
    },
  );

  recorded(
    'BlockPublicPolicy refuses a policy with broad access; without it the policy is stored',
    reference('PutResourcePolicy', 'BlockPublicPolicy; Errors: PublicPolicyException'),
    async () => {
      const name = await secret();
      await refused(
        'PutResourcePolicy',
        { SecretId: name, ResourcePolicy: PUBLIC, BlockPublicPolicy: true },
        'PublicPolicyException',
      );
      expect(await policyOf(name)).toBeUndefined();
      await ok('PutResourcePolicy', { SecretId: name, ResourcePolicy: PUBLIC });
      expect(await policyOf(name)).toBe(PUBLIC);
    },
  );

  recorded(
    'policy operations on a missing secret are ResourceNotFoundException',
    reference('PutResourcePolicy', 'Errors: ResourceNotFoundException'),
    async () => {
      for (const [target, input] of [
        ['PutResourcePolicy', { SecretId: unique('absent'), ResourcePolicy: OWN_ACCOUNT }],
        ['GetResourcePolicy', { SecretId: unique('absent') }],
        ['DeleteResourcePolicy', { SecretId: unique('absent') }],
      ] as const)
        await refused(target, input, 'ResourceNotFoundException');
    },
  );

  recorded(
    "an explicit Deny for the caller in the secret's policy is enforced",
    reference('GetSecretValue', 'resource-based policy evaluation: an explicit deny wins'),
    async () => {
      const name = await secret();
      const deny = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: `arn:aws:iam::${emulator.accountId}:user/${emulator.accessKeyId}` },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          },
        ],
      });
      await ok('PutResourcePolicy', { SecretId: name, ResourcePolicy: deny });
      const message = await refused('GetSecretValue', { SecretId: name }, 'AccessDeniedException');
      expect(message).toContain('explicit deny in a resource-based policy');
      await ok('DeleteResourcePolicy', { SecretId: name });
      expect((await ok('GetSecretValue', { SecretId: name })).SecretString).toBe('v');
    },
  );
});
