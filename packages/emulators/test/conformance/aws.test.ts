import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '../../src/index.js';
import { sign } from '../support/sigv4.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers written down from LocalStack's snapshot file, recorded against AWS itself
// (`@markers.aws.validated`), and from the tests that produced it.
const LS = 'localstack/localstack';
const SNAPSHOT = 'tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json';
const TESTS = 'tests/aws/services/secretsmanager/test_secretsmanager.py';
const snap = (test: string): Source => ({ repo: LS, file: SNAPSHOT, test: `TestSecretsManager::${test}` });
const py = (test: string): Source => ({ repo: LS, file: TESTS, test: `TestSecretsManager::${test}` });
const MODEL: Source = {
  repo: 'boto/botocore',
  file: 'botocore/data/secretsmanager/2017-10-17/service-2.json',
  test: 'ListSecretsRequest.MaxResults (1..100), NextToken',
};

const INVALID_NAME =
  'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!';
const DAY_MS = 86_400_000;

interface Answer {
  status: number;
  body: Record<string, any>;
}

let emulator: AwsSecretsManagerEmulator;
let clock = Date.UTC(2026, 5, 1, 10, 30);

/** One JSON 1.1 call; like the SDKs, it fills in ClientRequestToken unless told not to. */
async function call(target: string, input: Record<string, unknown>, withToken = true): Promise<Answer> {
  const idempotent = withToken && ['CreateSecret', 'PutSecretValue', 'UpdateSecret'].includes(target);
  const body = JSON.stringify(idempotent ? { ClientRequestToken: randomUUID(), ...input } : input);
  const headers = sign(new URL(emulator.url).host, target, body, {
    accessKeyId: emulator.accessKeyId,
    secretAccessKey: emulator.secretAccessKey,
    region: emulator.region,
    date: new Date(clock),
  });
  delete headers.host;
  const response = await fetch(emulator.url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

async function ok(target: string, input: Record<string, unknown>): Promise<Record<string, any>> {
  const answer = await call(target, input);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

function expectError(answer: Answer, type: string, message?: string): void {
  expect(answer.status).toBe(400);
  expect(answer.body.__type).toBe(type);
  if (message !== undefined) expect(answer.body.Message ?? answer.body.message).toBe(message);
}

const stagesOf = (versions: Array<{ VersionId: string; VersionStages?: string[] }>) =>
  Object.fromEntries(
    versions.map((v) => [v.VersionId, v.VersionStages ? [...v.VersionStages].sort() : null]),
  );

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator({ now: () => clock });
});
afterAll(async () => {
  await emulator.stop();
});

describe('AWS Secrets Manager conformance: invalid names are a ValidationException everywhere', () => {
  const operations: Array<[string, string, Record<string, unknown>]> = [
    ['CreateSecret', 'ex_log_1', { Name: 'Inv Name', SecretString: 'MySecretString' }],
    ['DeleteSecret', 'ex_log_2', { SecretId: 'Inv Name', ForceDeleteWithoutRecovery: true }],
    ['DescribeSecret', 'ex_log_3', { SecretId: 'Inv Name' }],
    ['GetSecretValue', 'ex_log_4', { SecretId: 'Inv Name' }],
    ['ListSecretVersionIds', 'ex_log_5', { SecretId: 'Inv Name', IncludeDeprecated: true }],
    ['PutSecretValue', 'ex_log_6', { SecretId: 'Inv Name', SecretString: 'MySecretString' }],
    ['TagResource', 'ex_log_7', { SecretId: 'Inv Name', Tags: [{ Key: 'FirstTag', Value: 'SomeValue' }] }],
    ['UntagResource', 'ex_log_8', { SecretId: 'Inv Name', TagKeys: ['FirstTag'] }],
    ['UpdateSecret', 'ex_log_9', { SecretId: 'Inv Name', Description: 'MyNewDescription' }],
  ];
  for (const [operation, key, input] of operations)
    recorded(
      `${operation} with the name 'Inv Name'`,
      snap(`test_invalid_secret_name[Inv Name] ${key}`),
      async () => {
        expectError(await call(operation, input), 'ValidationException', INVALID_NAME);
      },
    );

  recorded(
    "CreateSecret with ' Inv *?!]Name\\-'",
    snap('test_invalid_secret_name[ Inv *?!]Name\\\\-] ex_log_1'),
    async () => {
      expectError(
        await call('CreateSecret', { Name: ' Inv *?!]Name\\-', SecretString: 's' }),
        'ValidationException',
        INVALID_NAME,
      );
    },
  );
});

describe('AWS Secrets Manager conformance: ClientRequestToken is required', () => {
  const message = 'You must provide a ClientRequestToken value. We recommend a UUID-type value.';
  for (const operation of ['CreateSecret', 'PutSecretValue', 'UpdateSecret'])
    recorded(
      `${operation} without a token`,
      snap(`test_no_client_request_token[${operation}] no-client-request-exc`),
      async () => {
        const name = unique('no-token');
        const input = { SecretString: 'thisisthesecret', Description: 'My secret string' };
        const answer = await call(
          operation,
          operation === 'CreateSecret' ? { Name: name, ...input } : { SecretId: name, ...input },
          false,
        );
        expect(answer.status).toBe(400);
        expect(answer.body).toEqual({ __type: 'InvalidRequestException', Message: message });
      },
    );
});

describe('AWS Secrets Manager conformance: reads that find nothing', () => {
  const notFound = "Secrets Manager can't find the specified secret.";

  recorded(
    'GetSecretValue of a missing secret',
    snap('test_secret_not_found get_secret_value_not_found_ex'),
    async () => {
      expectError(
        await call('GetSecretValue', { SecretId: unique('missing') }),
        'ResourceNotFoundException',
        notFound,
      );
    },
  );

  recorded(
    'ListSecretVersionIds of a missing secret',
    snap('test_secret_not_found list_secret_version_ids_not_found_ex'),
    async () => {
      expectError(
        await call('ListSecretVersionIds', { SecretId: unique('missing') }),
        'ResourceNotFoundException',
        notFound,
      );
    },
  );

  recorded(
    'GetSecretValue of a secret created without a value',
    snap('test_secret_version_not_found get_secret_value_no_version_ex'),
    async () => {
      const name = unique('empty');
      await ok('CreateSecret', { Name: name });
      expectError(
        await call('GetSecretValue', { SecretId: name }),
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      );
    },
  );

  recorded(
    'GetSecretValue of an unknown VersionId',
    snap('test_secret_version_not_found get_secret_value_version_not_found_ex'),
    async () => {
      const name = unique('unknown-version');
      await ok('CreateSecret', { Name: name, SecretString: 's' });
      const versionId = randomUUID();
      expectError(
        await call('GetSecretValue', { SecretId: name, VersionId: versionId }),
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    },
  );

  recorded(
    'GetSecretValue of a stage no version carries',
    snap('test_secret_version_not_found get_secret_value_stage_not_found_ex'),
    async () => {
      const name = unique('no-pending');
      await ok('CreateSecret', { Name: name, SecretString: 's' });
      expectError(
        await call('GetSecretValue', { SecretId: name, VersionStage: 'AWSPENDING' }),
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
      );
    },
  );

  recorded(
    'GetSecretValue of AWSPREVIOUS by ARN on a one-version secret',
    snap('test_get_secret_value_errors error_get_secret_value_non_existing'),
    async () => {
      const created = await ok('CreateSecret', { Name: unique('one-version'), SecretString: 'test' });
      expectError(
        await call('GetSecretValue', { SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }),
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
      );
    },
  );

  recorded(
    'GetSecretValue of a VersionId with a stage it does not carry',
    snap('test_get_secret_value_errors mismatch_version_id_and_stage'),
    async () => {
      const name = unique('mismatch');
      const created = await ok('CreateSecret', { Name: name, SecretString: 'test' });
      expectError(
        await call('GetSecretValue', {
          SecretId: name,
          VersionId: created.VersionId,
          VersionStage: 'AWSPREVIOUS',
        }),
        'InvalidRequestException',
        'You provided a VersionStage that is not associated to the provided VersionId.',
      );
    },
  );
});

describe('AWS Secrets Manager conformance: creation and deletion', () => {
  recorded('CreateSecret of an existing name', snap('test_secret_exists_snapshots ex_log'), async () => {
    const name = unique('exists');
    await ok('CreateSecret', { Name: name, SecretString: 'one' });
    expectError(
      await call('CreateSecret', { Name: name, SecretString: 'two' }),
      'ResourceExistsException',
      `The operation failed because the secret ${name} already exists.`,
    );
  });

  recorded(
    'CreateSecret of a name scheduled for deletion',
    snap('test_exp_raised_on_creation_of_secret_scheduled_for_deletion invalid_req_ex'),
    async () => {
      const name = unique('scheduled');
      await ok('CreateSecret', { Name: name, SecretString: 'v' });
      const deleted = await ok('DeleteSecret', { SecretId: name, RecoveryWindowInDays: 7 });
      expect(Object.keys(deleted).sort()).toEqual(['ARN', 'DeletionDate', 'Name']);
      expectError(
        await call('CreateSecret', { Name: name, SecretString: 'v' }),
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    },
  );

  recorded(
    'TagResource and UntagResource of a deleted secret',
    snap('test_tag_untag_resource_on_deleted_secret tag_deleted_secret_error'),
    async () => {
      const name = unique('deleted-tags');
      await ok('CreateSecret', { Name: name, SecretString: 'v' });
      await ok('DeleteSecret', { SecretId: name });
      const message = "You can't perform this operation on the secret because it was marked for deletion.";
      expectError(
        await call('TagResource', { SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] }),
        'InvalidRequestException',
        message,
      );
      expectError(
        await call('UntagResource', { SecretId: name, TagKeys: ['k'] }),
        'InvalidRequestException',
        message,
      );
    },
  );

  recorded(
    'DescribeSecret of a secret scheduled for deletion, then a forced delete',
    snap('test_force_delete_deleted_secret describe_secret_response'),
    async () => {
      const name = unique('force-deleted');
      const created = await ok('CreateSecret', { Name: name, SecretString: 'v' });
      await ok('DeleteSecret', { SecretId: name });
      const described = await ok('DescribeSecret', { SecretId: name });
      expect(Object.keys(described).sort()).toEqual([
        'ARN',
        'CreatedDate',
        'DeletedDate',
        'LastChangedDate',
        'Name',
        'VersionIdsToStages',
      ]);
      expect(described.VersionIdsToStages).toEqual({ [created.VersionId]: ['AWSCURRENT'] });
      const forced = await ok('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true });
      expect(Object.keys(forced).sort()).toEqual(['ARN', 'DeletionDate', 'Name']);
      expect(forced.ARN).toBe(created.ARN);
      expectError(await call('DescribeSecret', { SecretId: name }), 'ResourceNotFoundException');
    },
  );

  recorded(
    'a forced delete of a secret that does not exist succeeds',
    py('test_delete_non_existent_secret_returns_as_if_secret_exists'),
    async () => {
      const name = unique('never-existed');
      const answer = await ok('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true });
      expect(answer.Name).toBe(name);
      expect(answer.ARN).toMatch(/^arn:aws:secretsmanager:/);
      expect(typeof answer.DeletionDate).toBe('number');
    },
  );

  recorded('RestoreSecret answers ARN and Name', snap('test_secret_restore restore_secret_res'), async () => {
    const name = unique('restored');
    await ok('CreateSecret', { Name: name, SecretString: 'v' });
    await ok('DeleteSecret', { SecretId: name });
    const restored = await ok('RestoreSecret', { SecretId: name });
    expect(Object.keys(restored).sort()).toEqual(['ARN', 'Name']);
    expect((await ok('GetSecretValue', { SecretId: name })).SecretString).toBe('v');
  });

  recorded(
    'a secret created with an empty description, then given a value',
    snap('test_create_secret_version_from_empty_secret put-secret-value'),
    async () => {
      const created = await ok('CreateSecret', { Name: unique('empty-description'), Description: '' });
      expect(Object.keys(created).sort()).toEqual(['ARN', 'Name']);
      const described = await ok('DescribeSecret', { SecretId: created.ARN });
      expect(Object.keys(described).sort()).toEqual(['ARN', 'CreatedDate', 'LastChangedDate', 'Name']);
      const put = await ok('PutSecretValue', {
        SecretId: created.ARN,
        SecretString: 'example-string-to-protect',
      });
      expect(Object.keys(put).sort()).toEqual(['ARN', 'Name', 'VersionId', 'VersionStages']);
      expect(put.VersionStages).toEqual(['AWSCURRENT']);
    },
  );

  recorded(
    'SecretBinary travels base64-encoded over the wire',
    snap('test_get_secret_value secret_value_http_response'),
    async () => {
      const name = unique('binary');
      await ok('CreateSecret', { Name: name, SecretBinary: Buffer.from('footest').toString('base64') });
      const read = await ok('GetSecretValue', { SecretId: name });
      expect(read.SecretBinary).toBe('Zm9vdGVzdA==');
      expect(read.SecretString).toBeUndefined();
      expect(read.VersionStages).toEqual(['AWSCURRENT']);
    },
  );
});

describe('AWS Secrets Manager conformance: tags and descriptions', () => {
  recorded(
    'tags through their life: absent, added, removed, an empty list',
    snap('test_secret_tags describe_secret_4'),
    async () => {
      const name = unique('tags');
      await ok('CreateSecret', { Name: name, SecretString: 'v' });
      expect((await ok('DescribeSecret', { SecretId: name })).Tags).toBeUndefined();
      expect(await ok('TagResource', { SecretId: name, Tags: [{ Key: 'tag1', Value: 'value1' }] })).toEqual(
        {},
      );
      expect((await ok('DescribeSecret', { SecretId: name })).Tags).toEqual([
        { Key: 'tag1', Value: 'value1' },
      ]);
      await ok('TagResource', { SecretId: name, Tags: [{ Key: 'tag2', Value: 'value2' }] });
      expect((await ok('DescribeSecret', { SecretId: name })).Tags).toEqual([
        { Key: 'tag1', Value: 'value1' },
        { Key: 'tag2', Value: 'value2' },
      ]);
      await ok('UntagResource', { SecretId: name, TagKeys: ['tag1'] });
      expect((await ok('DescribeSecret', { SecretId: name })).Tags).toEqual([
        { Key: 'tag2', Value: 'value2' },
      ]);
      expect(await ok('UntagResource', { SecretId: name, TagKeys: ['tag2'] })).toEqual({});
      expect((await ok('DescribeSecret', { SecretId: name })).Tags).toEqual([]);
    },
  );

  recorded(
    'DescribeSecret of a never-rotated secret has no RotationEnabled',
    snap('test_update_secret_description describe_secret_res_0'),
    async () => {
      const name = unique('no-rotation');
      const created = await ok('CreateSecret', { Name: name, SecretString: 'v' });
      const described = await ok('DescribeSecret', { SecretId: name });
      expect(described).not.toHaveProperty('RotationEnabled');
      expect(described.VersionIdsToStages).toEqual({ [created.VersionId]: ['AWSCURRENT'] });
    },
  );

  recorded(
    'UpdateSecret of the description alone makes no version',
    snap('test_update_secret_description update_secret_res_0'),
    async () => {
      const name = unique('describe');
      await ok('CreateSecret', { Name: name, SecretString: 'v' });
      const updated = await ok('UpdateSecret', { SecretId: name, Description: 'MyDescription' });
      expect(Object.keys(updated).sort()).toEqual(['ARN', 'Name']);
      expect((await ok('DescribeSecret', { SecretId: name })).Description).toBe('MyDescription');
    },
  );

  recorded(
    'UpdateSecret with a value and a description',
    snap('test_update_secret_description describe_secret_res_2'),
    async () => {
      const name = unique('describe-value');
      const created = await ok('CreateSecret', { Name: name, SecretString: 'v' });
      const updated = await ok('UpdateSecret', {
        SecretId: name,
        SecretString: 'v2',
        Description: 'MyNewDescription',
      });
      expect(Object.keys(updated).sort()).toEqual(['ARN', 'Name', 'VersionId']);
      const described = await ok('DescribeSecret', { SecretId: name });
      expect(described.Description).toBe('MyNewDescription');
      expect(described.VersionIdsToStages).toEqual({
        [created.VersionId]: ['AWSPREVIOUS'],
        [updated.VersionId]: ['AWSCURRENT'],
      });
    },
  );
});

describe('AWS Secrets Manager conformance: versions and staging labels', () => {
  recorded(
    'deprecated versions are listed only with IncludeDeprecated, without VersionStages',
    snap('test_deprecated_secret_version_stage list_secret_version_ids_3'),
    async () => {
      const name = unique('deprecated');
      const v1 = await ok('CreateSecret', { Name: name, SecretString: 'one' });
      const v2 = await ok('PutSecretValue', { SecretId: name, SecretString: 'two' });
      const v3 = await ok('PutSecretValue', { SecretId: name, SecretString: 'three' });
      const listed = await ok('ListSecretVersionIds', { SecretId: name });
      expect(stagesOf(listed.Versions)).toEqual({
        [v2.VersionId]: ['AWSPREVIOUS'],
        [v3.VersionId]: ['AWSCURRENT'],
      });
      const all = await ok('ListSecretVersionIds', { SecretId: name, IncludeDeprecated: true });
      expect(stagesOf(all.Versions)).toEqual({
        [v1.VersionId]: null,
        [v2.VersionId]: ['AWSPREVIOUS'],
        [v3.VersionId]: ['AWSCURRENT'],
      });
      const deprecated = all.Versions.find((v: { VersionId: string }) => v.VersionId === v1.VersionId);
      expect(Object.keys(deprecated).sort()).toEqual(['CreatedDate', 'KmsKeyIds', 'VersionId']);
    },
  );

  recorded(
    'UpdateSecret with a value moves AWSCURRENT and leaves AWSPREVIOUS',
    snap('test_update_secret_version_stages_current_previous list_secret_version_ids_res_1'),
    async () => {
      const name = unique('current-previous');
      const v1 = await ok('CreateSecret', { Name: name, SecretString: 'one' });
      const v2 = await ok('UpdateSecret', { SecretId: name, SecretString: 'two' });
      const listed = await ok('ListSecretVersionIds', { SecretId: name });
      expect(stagesOf(listed.Versions)).toEqual({
        [v1.VersionId]: ['AWSPREVIOUS'],
        [v2.VersionId]: ['AWSCURRENT'],
      });
    },
  );

  recorded(
    'moving AWSCURRENT onto AWSPENDING, then a plain PutSecretValue',
    snap('test_update_secret_version_stages_current_pending list_secret_version_ids_res_2'),
    async () => {
      const name = unique('current-pending');
      const v1 = await ok('CreateSecret', { Name: name, SecretString: 'one' });
      const v2 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'two',
        VersionStages: ['AWSPENDING'],
      });
      expect(v2.VersionStages).toEqual(['AWSPENDING']);
      const moved = await ok('UpdateSecretVersionStage', {
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2.VersionId,
        RemoveFromVersionId: v1.VersionId,
      });
      expect(Object.keys(moved).sort()).toEqual(['ARN', 'Name']);
      expect(stagesOf((await ok('ListSecretVersionIds', { SecretId: name })).Versions)).toEqual({
        [v1.VersionId]: ['AWSPREVIOUS'],
        [v2.VersionId]: ['AWSCURRENT', 'AWSPENDING'],
      });
      const v3 = await ok('PutSecretValue', { SecretId: name, SecretString: 'three' });
      expect(v3.VersionStages).toEqual(['AWSCURRENT']);
      expect(stagesOf((await ok('ListSecretVersionIds', { SecretId: name })).Versions)).toEqual({
        [v2.VersionId]: ['AWSPREVIOUS'],
        [v3.VersionId]: ['AWSCURRENT'],
      });
    },
  );

  recorded(
    'PutSecretValue with custom stages leaves AWSCURRENT where it was',
    snap('test_put_secret_value_with_version_stages get_secret_value_res_3'),
    async () => {
      const name = unique('custom-stages');
      const v0 = await ok('CreateSecret', { Name: name, SecretString: 'secret_string_v0' });
      const v1 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'v1',
        VersionStages: ['SAMPLESTAGE1', 'SAMPLESTAGE0'],
      });
      expect([...v1.VersionStages].sort()).toEqual(['SAMPLESTAGE0', 'SAMPLESTAGE1']);
      expect((await ok('GetSecretValue', { SecretId: name })).VersionId).toBe(v0.VersionId);
      const v3 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'v3',
        VersionStages: ['AWSPENDING'],
      });
      expect(v3.VersionStages).toEqual(['AWSPENDING']);
      const current = await ok('GetSecretValue', { SecretId: name });
      expect(current.SecretString).toBe('secret_string_v0');
      expect(current.VersionStages).toEqual(['AWSCURRENT']);
    },
  );

  recorded(
    'a plain PutSecretValue after custom stages becomes AWSCURRENT',
    snap('test_put_secret_value_with_version_stages get_secret_value_res_4'),
    async () => {
      const name = unique('custom-then-plain');
      await ok('CreateSecret', { Name: name, SecretString: 'secret_string_v0' });
      await ok('PutSecretValue', { SecretId: name, SecretString: 'v1', VersionStages: ['SAMPLESTAGE0'] });
      const v4 = await ok('PutSecretValue', { SecretId: name, SecretString: 'secret_string_v4' });
      expect(v4.VersionStages).toEqual(['AWSCURRENT']);
      const current = await ok('GetSecretValue', { SecretId: name });
      expect(current).toMatchObject({
        SecretString: 'secret_string_v4',
        VersionId: v4.VersionId,
        VersionStages: ['AWSCURRENT'],
      });
    },
  );

  recorded(
    'a version that loses every label drops out of the list',
    snap('test_non_versioning_version_stages_replacement list_secret_version_ids_res_1'),
    async () => {
      const name = unique('replacement');
      const v1 = await ok('CreateSecret', { Name: name, SecretString: 'one' });
      const v2 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'two',
        VersionStages: ['one', 'two', 'three'],
      });
      const v3 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'three',
        VersionStages: ['one', 'two', 'three', 'four'],
      });
      const listed = await ok('ListSecretVersionIds', { SecretId: name });
      expect(stagesOf(listed.Versions)).toEqual({
        [v1.VersionId]: ['AWSCURRENT'],
        [v3.VersionId]: ['four', 'one', 'three', 'two'],
      });
      expect(listed.Versions.map((v: { VersionId: string }) => v.VersionId)).not.toContain(v2.VersionId);
    },
  );

  recorded(
    'a version keeps the labels the new one did not take',
    snap('test_non_versioning_version_stages_no_replacement list_secret_version_ids_res_1'),
    async () => {
      const name = unique('no-replacement');
      const v1 = await ok('CreateSecret', { Name: name, SecretString: 'one' });
      const v2 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'two',
        VersionStages: ['one', 'two', 'three'],
      });
      const v3 = await ok('PutSecretValue', {
        SecretId: name,
        SecretString: 'three',
        VersionStages: ['one', 'two', 'four'],
      });
      expect(stagesOf((await ok('ListSecretVersionIds', { SecretId: name })).Versions)).toEqual({
        [v1.VersionId]: ['AWSCURRENT'],
        [v2.VersionId]: ['three'],
        [v3.VersionId]: ['four', 'one', 'two'],
      });
    },
  );

  recorded(
    'LastAccessedDate: absent before a read, the day of the read after it',
    py('test_last_accessed_date'),
    async () => {
      const name = unique('accessed');
      await ok('CreateSecret', { Name: name, SecretString: 'v' });
      expect(await ok('DescribeSecret', { SecretId: name })).not.toHaveProperty('LastAccessedDate');
      await ok('GetSecretValue', { SecretId: name });
      const first = (await ok('DescribeSecret', { SecretId: name })).LastAccessedDate;
      expect(first * 1000).toBe(Math.floor(clock / DAY_MS) * DAY_MS);
      clock += 60_000;
      await ok('GetSecretValue', { SecretId: name });
      expect((await ok('DescribeSecret', { SecretId: name })).LastAccessedDate).toBe(first);
    },
  );
});

describe('AWS Secrets Manager conformance: ListSecrets filters and pages', () => {
  const suffix = unique('f');
  const names = [
    `testing1/one-${suffix}`,
    `/testing2/two-${suffix}`,
    `testing3/three-${suffix}`,
    `/testing4/four-${suffix}`,
  ];
  const descriptions = ['a secret', 'an secret', 'asecret', 'thesecret'];
  const listed = async (filters: Array<{ Key: string; Values: string[] }>) => {
    const body = await ok('ListSecrets', { Filters: filters, MaxResults: 100 });
    return names.filter((n) => body.SecretList.some((s: { Name: string }) => s.Name === n));
  };
  beforeAll(async () => {
    for (const [i, name] of names.entries())
      await ok('CreateSecret', { Name: name, SecretString: 'secret', Description: descriptions[i] });
  });
  const filtering = py('test_list_secrets_filtering');

  recorded('name "/" is a prefix match', filtering, async () => {
    expect(await listed([{ Key: 'name', Values: ['/'] }])).toEqual([names[1], names[3]]);
  });
  recorded('name "!/" excludes that prefix', filtering, async () => {
    expect(await listed([{ Key: 'name', Values: ['!/'] }])).toEqual([names[0], names[2]]);
  });
  recorded('name "testing1 one": every word must be a prefix of the name', filtering, async () => {
    expect(await listed([{ Key: 'name', Values: ['testing1 one'] }])).toEqual([]);
  });
  recorded('description "a" matches a word prefix; "!a" the rest', filtering, async () => {
    expect(await listed([{ Key: 'description', Values: ['a'] }])).toEqual([names[0], names[1], names[2]]);
    expect(await listed([{ Key: 'description', Values: ['!a'] }])).toEqual([names[3]]);
  });
  recorded('description "a secret": every word must match', filtering, async () => {
    expect(await listed([{ Key: 'description', Values: ['a secret'] }])).toEqual([names[0], names[1]]);
  });
  recorded('description "!c" excludes nothing', filtering, async () => {
    expect(await listed([{ Key: 'description', Values: ['!c'] }])).toEqual(names);
  });
  recorded('two filters must both match', filtering, async () => {
    expect(
      await listed([
        { Key: 'description', Values: ['a'] },
        { Key: 'name', Values: ['secret'] },
      ]),
    ).toEqual([]);
    expect(
      await listed([
        { Key: 'description', Values: ['a'] },
        { Key: 'name', Values: ['an'] },
      ]),
    ).toEqual([]);
  });
  recorded(
    'ListSecrets entries carry no RotationEnabled',
    snap('test_create_multi_secrets_snapshot list_secrets_res'),
    async () => {
      const body = await ok('ListSecrets', { Filters: [{ Key: 'name', Values: [names[0]!] }] });
      expect(body.SecretList).toHaveLength(1);
      expect(body.SecretList[0]).not.toHaveProperty('RotationEnabled');
      expect(body.SecretList[0]).toMatchObject({ Name: names[0], Description: 'a secret' });
      expect(Object.keys(body.SecretList[0].SecretVersionsToStages)).toHaveLength(1);
    },
  );
  recorded('pages: MaxResults and NextToken walk every secret once', MODEL, async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await ok('ListSecrets', { MaxResults: 3, ...(token ? { NextToken: token } : {}) });
      expect(page.SecretList.length).toBeLessThanOrEqual(3);
      seen.push(...page.SecretList.map((s: { Name: string }) => s.Name));
      token = page.NextToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    for (const name of names) expect(seen).toContain(name);
  });
  recorded('MaxResults above 100 is a ValidationException', MODEL, async () => {
    expectError(await call('ListSecrets', { MaxResults: 101 }), 'ValidationException');
  });
  recorded('a NextToken the service did not issue is refused', MODEL, async () => {
    expectError(await call('ListSecrets', { NextToken: 'not-a-token' }), 'InvalidNextTokenException');
  });
});
