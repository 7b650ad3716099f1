import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '../src/index.js';
import { type SignOptions, sign } from './support/sigv4.js';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

let emulator: AwsSecretsManagerEmulator;
let clockOffset = 0;

async function call(
  target: string,
  input: Record<string, unknown>,
  overrides: Partial<SignOptions> & {
    tamper?: (body: string) => string;
    unsigned?: boolean;
    on?: AwsSecretsManagerEmulator;
  } = {},
): Promise<Answer> {
  const server = overrides.on ?? emulator;
  // The SDKs always fill in ClientRequestToken (an idempotency token); so does this helper.
  const idempotent = ['CreateSecret', 'PutSecretValue', 'UpdateSecret'].includes(target);
  const body = JSON.stringify(idempotent ? { ClientRequestToken: randomUUID(), ...input } : input);
  const host = new URL(server.url).host;
  const headers = overrides.unsigned
    ? { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `secretsmanager.${target}` }
    : sign(host, target, body, {
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        region: server.region,
        ...overrides,
      });
  delete (headers as Record<string, string>).host;
  const response = await fetch(server.url, {
    method: 'POST',
    headers,
    body: overrides.tamper ? overrides.tamper(body) : body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator({ now: () => Date.now() + clockOffset });
});
afterAll(async () => {
  await emulator.stop();
});

describe('AWS Secrets Manager emulator: authentication', () => {
  it('answers a correctly signed request with JSON 1.1', async () => {
    const created = await call('CreateSecret', { Name: 'auth/ok', SecretString: 'planted-value-1' });
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(created.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:auth\/ok-[A-Za-z0-9]{6}$/,
    );
    const read = await call('GetSecretValue', { SecretId: 'auth/ok' });
    expect(read.body.SecretString).toBe('planted-value-1');
    expect(read.body.VersionStages).toEqual(['AWSCURRENT']);
    expect(typeof read.body.CreatedDate).toBe('number');
  });

  it('rejects a request without a signature', async () => {
    const answer = await call('ListSecrets', {}, { unsigned: true });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('rejects an unknown access key with UnrecognizedClientException', async () => {
    const answer = await call('ListSecrets', {}, { accessKeyId: 'AKIANOTKNOWN00000000' });
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('UnrecognizedClientException');
    expect(answer.body.message).toBe('The security token included in the request is invalid.');
  });

  it('rejects a signature made with the wrong secret key', async () => {
    const answer = await call(
      'GetSecretValue',
      { SecretId: 'auth/ok' },
      { secretAccessKey: 'wrong-secret-key' },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('InvalidSignatureException');
    expect(answer.body.message).toMatch(
      /^The request signature we calculated does not match the signature you provided/,
    );
    expect(JSON.stringify(answer.body)).not.toContain('planted-value-1');
  });

  it('rejects a body changed after signing', async () => {
    const answer = await call(
      'GetSecretValue',
      { SecretId: 'auth/ok' },
      { tamper: (b) => b.replace('auth/ok', 'auth/ok ') },
    );
    expect(answer.body.__type).toBe('InvalidSignatureException');
  });

  it('rejects a stale or future signing date with "Signature expired" / "not yet current"', async () => {
    const stale = await call('ListSecrets', {}, { date: new Date(Date.now() - 10 * 60_000) });
    expect(stale.status).toBe(400);
    expect(stale.body.__type).toBe('InvalidSignatureException');
    expect(stale.body.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    const future = await call('ListSecrets', {}, { date: new Date(Date.now() + 10 * 60_000) });
    expect(future.body.message).toMatch(/^Signature not yet current: /);
    const withinSkew = await call('ListSecrets', {}, { date: new Date(Date.now() - 2 * 60_000) });
    expect(withinSkew.status).toBe(200);
  });

  it('rejects a credential scoped to another region or service', async () => {
    const region = await call('ListSecrets', {}, { region: 'eu-west-1' });
    expect(region.body).toEqual({
      __type: 'InvalidSignatureException',
      message: 'Credential should be scoped to a valid region.',
    });
    const service = await call('ListSecrets', {}, { service: 'ssm' });
    expect(service.body.message).toBe("Credential should be scoped to correct service: 'secretsmanager'.");
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const answer = await call('RotateEverything', {});
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('UnknownOperationException');
  });

  it('enforces a key policy with AccessDeniedException', async () => {
    const limited = await startAwsSecretsManagerEmulator({
      credentials: [
        { accessKeyId: 'AKIAADMIN00000000000', secretAccessKey: 'admin-secret' },
        {
          accessKeyId: 'AKIAREADER0000000000',
          secretAccessKey: 'reader-secret',
          allowedOperations: ['GetSecretValue', 'BatchGetSecretValue'],
          deniedSecrets: ['private/*'],
        },
      ],
    });
    try {
      await call('CreateSecret', { Name: 'public/a', SecretString: 'a' }, { on: limited });
      await call('CreateSecret', { Name: 'private/b', SecretString: 'b' }, { on: limited });
      const reader = { on: limited, accessKeyId: 'AKIAREADER0000000000', secretAccessKey: 'reader-secret' };
      expect((await call('GetSecretValue', { SecretId: 'public/a' }, reader)).body.SecretString).toBe('a');
      const write = await call('PutSecretValue', { SecretId: 'public/a', SecretString: 'x' }, reader);
      expect(write.status).toBe(400);
      expect(write.body.__type).toBe('AccessDeniedException');
      expect(write.body.Message).toContain('is not authorized to perform: secretsmanager:PutSecretValue');
      const denied = await call('GetSecretValue', { SecretId: 'private/b' }, reader);
      expect(denied.body.__type).toBe('AccessDeniedException');
      const batch = await call('BatchGetSecretValue', { SecretIdList: ['public/a', 'private/b'] }, reader);
      expect(batch.body.SecretValues.map((v: any) => v.Name)).toEqual(['public/a']);
      expect(batch.body.Errors).toEqual([
        { SecretId: 'private/b', ErrorCode: 'AccessDeniedException', Message: expect.any(String) },
      ]);
    } finally {
      await limited.stop();
    }
  });
});

describe('AWS Secrets Manager emulator: secrets and versions', () => {
  it('reports missing and existing secrets with the service error bodies', async () => {
    const missing = await call('GetSecretValue', { SecretId: 'does/not/exist' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      __type: 'ResourceNotFoundException',
      Message: "Secrets Manager can't find the specified secret.",
    });
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    await call('CreateSecret', { Name: 'dup', SecretString: 'one' });
    const duplicate = await call('CreateSecret', { Name: 'dup', SecretString: 'two' });
    expect(duplicate.body.__type).toBe('ResourceExistsException');
    const both = await call('CreateSecret', { Name: 'both', SecretString: 's', SecretBinary: 'AAE=' });
    expect(both.body.__type).toBe('InvalidParameterException');
    const badName = await call('CreateSecret', { Name: 'bad name!', SecretString: 's' });
    expect(badName.body.__type).toBe('ValidationException');
    const noValue = await call('PutSecretValue', { SecretId: 'dup' });
    expect(noValue.body.__type).toBe('InvalidRequestException');
  });

  it('keeps staging labels: AWSPREVIOUS follows AWSCURRENT, versions readable by id and label', async () => {
    const first = await call('CreateSecret', { Name: 'rotating', SecretString: 'v1' });
    const second = await call('PutSecretValue', { SecretId: 'rotating', SecretString: 'v2' });
    expect(second.body.VersionStages).toEqual(['AWSCURRENT']);
    const previous = await call('GetSecretValue', { SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' });
    expect(previous.body.SecretString).toBe('v1');
    expect(previous.body.VersionId).toBe(first.body.VersionId);
    const pending = await call('PutSecretValue', {
      SecretId: 'rotating',
      SecretString: 'v3',
      VersionStages: ['AWSPENDING'],
    });
    expect((await call('GetSecretValue', { SecretId: 'rotating' })).body.SecretString).toBe('v2');
    expect(
      (await call('GetSecretValue', { SecretId: 'rotating', VersionStage: 'AWSPENDING' })).body.SecretString,
    ).toBe('v3');
    // Moving AWSCURRENT needs RemoveFromVersionId naming its holder.
    const refused = await call('UpdateSecretVersionStage', {
      SecretId: 'rotating',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: pending.body.VersionId,
    });
    expect(refused.body.__type).toBe('InvalidParameterException');
    const moved = await call('UpdateSecretVersionStage', {
      SecretId: 'rotating',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: pending.body.VersionId,
      RemoveFromVersionId: second.body.VersionId,
    });
    expect(moved.status).toBe(200);
    const described = await call('DescribeSecret', { SecretId: 'rotating' });
    expect(described.body.VersionIdsToStages).toEqual({
      [second.body.VersionId]: ['AWSPREVIOUS'],
      [pending.body.VersionId]: ['AWSPENDING', 'AWSCURRENT'],
    });
    const byId = await call('GetSecretValue', { SecretId: 'rotating', VersionId: first.body.VersionId });
    expect(byId.body.SecretString).toBe('v1');
    expect(byId.body.VersionStages).toEqual([]);
    const versions = await call('ListSecretVersionIds', { SecretId: 'rotating' });
    expect(versions.body.Versions).toHaveLength(2);
    const all = await call('ListSecretVersionIds', { SecretId: 'rotating', IncludeDeprecated: true });
    expect(all.body.Versions).toHaveLength(3);
    const byArn = await call('GetSecretValue', { SecretId: first.body.ARN });
    expect(byArn.body.SecretString).toBe('v3');
  });

  it('makes PutSecretValue idempotent on ClientRequestToken', async () => {
    await call('CreateSecret', { Name: 'idem', SecretString: 'a' });
    const token = '00000000-0000-4000-8000-000000000001';
    const once = await call('PutSecretValue', {
      SecretId: 'idem',
      SecretString: 'b',
      ClientRequestToken: token,
    });
    const again = await call('PutSecretValue', {
      SecretId: 'idem',
      SecretString: 'b',
      ClientRequestToken: token,
    });
    expect(again.body.VersionId).toBe(once.body.VersionId);
    const conflict = await call('PutSecretValue', {
      SecretId: 'idem',
      SecretString: 'c',
      ClientRequestToken: token,
    });
    expect(conflict.body.__type).toBe('ResourceExistsException');
    const all = await call('ListSecretVersionIds', { SecretId: 'idem', IncludeDeprecated: true });
    expect(all.body.Versions).toHaveLength(2);
  });

  it('stores SecretBinary as base64 and updates through UpdateSecret', async () => {
    await call('CreateSecret', {
      Name: 'binary',
      SecretBinary: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
    const read = await call('GetSecretValue', { SecretId: 'binary' });
    expect(Buffer.from(read.body.SecretBinary, 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(read.body.SecretString).toBeUndefined();
    const updated = await call('UpdateSecret', {
      SecretId: 'binary',
      SecretString: 'now text',
      Description: 'd',
    });
    expect(updated.body.VersionId).toBeDefined();
    expect((await call('GetSecretValue', { SecretId: 'binary' })).body.SecretString).toBe('now text');
    expect((await call('DescribeSecret', { SecretId: 'binary' })).body.Description).toBe('d');
  });

  it('prunes old unlabelled versions beyond 100', async () => {
    await call('CreateSecret', { Name: 'many-versions', SecretString: 'v0' });
    for (let i = 1; i <= 105; i++)
      await call('PutSecretValue', { SecretId: 'many-versions', SecretString: `v${i}` });
    const all = await call('ListSecretVersionIds', {
      SecretId: 'many-versions',
      IncludeDeprecated: true,
      MaxResults: 100,
    });
    expect(all.body.Versions).toHaveLength(100);
    expect(all.body.NextToken).toBeUndefined();
    expect(
      (await call('GetSecretValue', { SecretId: 'many-versions', VersionStage: 'AWSPREVIOUS' })).body
        .SecretString,
    ).toBe('v104');
  });

  it('tags and untags', async () => {
    await call('CreateSecret', { Name: 'tagged', SecretString: 'x', Tags: [{ Key: 'team', Value: 'core' }] });
    await call('TagResource', {
      SecretId: 'tagged',
      Tags: [
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'infra' },
      ],
    });
    let described = await call('DescribeSecret', { SecretId: 'tagged' });
    expect(described.body.Tags).toEqual([
      { Key: 'team', Value: 'infra' },
      { Key: 'env', Value: 'prod' },
    ]);
    const untagged = await call('UntagResource', { SecretId: 'tagged', TagKeys: ['team', 'absent'] });
    expect(untagged.status).toBe(200);
    described = await call('DescribeSecret', { SecretId: 'tagged' });
    expect(described.body.Tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    const reserved = await call('TagResource', { SecretId: 'tagged', Tags: [{ Key: 'aws:x', Value: 'y' }] });
    expect(reserved.body.__type).toBe('InvalidParameterException');
  });
});

describe('AWS Secrets Manager emulator: deletion', () => {
  it('schedules deletion, refuses reads meanwhile, restores, and purges after the window', async () => {
    await call('CreateSecret', { Name: 'doomed', SecretString: 'x' });
    const tooShort = await call('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 6 });
    expect(tooShort.body.__type).toBe('InvalidParameterException');
    const both = await call('DeleteSecret', {
      SecretId: 'doomed',
      RecoveryWindowInDays: 7,
      ForceDeleteWithoutRecovery: true,
    });
    expect(both.body.__type).toBe('InvalidParameterException');
    const scheduled = await call('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 7 });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body.DeletionDate).toBeGreaterThan(Date.now() / 1000 + 6 * 86_400);
    const read = await call('GetSecretValue', { SecretId: 'doomed' });
    expect(read.body).toEqual({
      __type: 'InvalidRequestException',
      Message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect((await call('DescribeSecret', { SecretId: 'doomed' })).body.DeletedDate).toBeTypeOf('number');
    const listed = await call('ListSecrets', { Filters: [{ Key: 'name', Values: ['doomed'] }] });
    expect(listed.body.SecretList).toEqual([]);
    const planned = await call('ListSecrets', {
      Filters: [{ Key: 'name', Values: ['doomed'] }],
      IncludePlannedDeletion: true,
    });
    expect(planned.body.SecretList).toHaveLength(1);
    const recreate = await call('CreateSecret', { Name: 'doomed', SecretString: 'y' });
    expect(recreate.body.__type).toBe('InvalidRequestException');
    await call('RestoreSecret', { SecretId: 'doomed' });
    expect((await call('GetSecretValue', { SecretId: 'doomed' })).body.SecretString).toBe('x');
    await call('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 7 });
    clockOffset = 8 * 86_400_000;
    try {
      const gone = await call(
        'DescribeSecret',
        { SecretId: 'doomed' },
        { date: new Date(Date.now() + clockOffset) },
      );
      expect(gone.body.__type).toBe('ResourceNotFoundException');
    } finally {
      clockOffset = 0;
    }
  });

  it('deletes at once with ForceDeleteWithoutRecovery', async () => {
    await call('CreateSecret', { Name: 'forced', SecretString: 'x' });
    expect(
      (await call('DeleteSecret', { SecretId: 'forced', ForceDeleteWithoutRecovery: true })).status,
    ).toBe(200);
    expect((await call('DescribeSecret', { SecretId: 'forced' })).body.__type).toBe(
      'ResourceNotFoundException',
    );
    expect((await call('CreateSecret', { Name: 'forced', SecretString: 'y' })).status).toBe(200);
  });
});

describe('AWS Secrets Manager emulator: listing and batches', () => {
  beforeAll(async () => {
    for (let i = 0; i < 25; i++)
      await call('CreateSecret', {
        Name: `list/item-${String(i).padStart(2, '0')}`,
        SecretString: `value-${i}`,
        Tags: [{ Key: i % 2 ? 'odd' : 'even', Value: `n${i}` }],
      });
  });

  it('pages ListSecrets with MaxResults and NextToken', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call('ListSecrets', {
        Filters: [{ Key: 'name', Values: ['list/'] }],
        MaxResults: 10,
        SortOrder: 'asc',
        ...(token ? { NextToken: token } : {}),
      });
      names.push(...page.body.SecretList.map((s: any) => s.Name));
      token = page.body.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `list/item-${String(i).padStart(2, '0')}`));
    const bad = await call('ListSecrets', { NextToken: 'garbage' });
    expect(bad.body.__type).toBe('InvalidNextTokenException');
    const tooMany = await call('ListSecrets', { MaxResults: 101 });
    expect(tooMany.body.__type).toBe('ValidationException');
  });

  it('filters by tag key, tag value, negation and all', async () => {
    const odd = await call('ListSecrets', {
      Filters: [{ Key: 'tag-key', Values: ['odd'] }],
      MaxResults: 100,
    });
    expect(odd.body.SecretList).toHaveLength(12);
    const value = await call('ListSecrets', { Filters: [{ Key: 'tag-value', Values: ['n1'] }] });
    // Prefix match: n1, n10..n19.
    expect(value.body.SecretList).toHaveLength(11);
    const negated = await call('ListSecrets', {
      Filters: [
        { Key: 'name', Values: ['list/'] },
        { Key: 'tag-key', Values: ['!odd'] },
      ],
    });
    expect(negated.body.SecretList).toHaveLength(13);
    const all = await call('ListSecrets', { Filters: [{ Key: 'all', Values: ['ITEM'] }] });
    expect(all.body.SecretList.length).toBeGreaterThanOrEqual(25);
    const badKey = await call('ListSecrets', { Filters: [{ Key: 'colour', Values: ['x'] }] });
    expect(badKey.body.__type).toBe('ValidationException');
    const listed = odd.body.SecretList[0];
    expect(Object.keys(listed.SecretVersionsToStages)).toHaveLength(1);
  });

  it('answers BatchGetSecretValue by id list with per-secret Errors', async () => {
    const batch = await call('BatchGetSecretValue', {
      SecretIdList: ['list/item-00', 'nope', 'list/item-01'],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.SecretValues.map((v: any) => v.SecretString)).toEqual(['value-0', 'value-1']);
    expect(batch.body.Errors).toEqual([
      {
        SecretId: 'nope',
        ErrorCode: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      },
    ]);
    const tooMany = await call('BatchGetSecretValue', {
      SecretIdList: Array.from({ length: 21 }, (_, i) => `s${i}`),
    });
    expect(tooMany.body.__type).toBe('ValidationException');
    const both = await call('BatchGetSecretValue', {
      SecretIdList: ['a'],
      Filters: [{ Key: 'name', Values: ['a'] }],
    });
    expect(both.body.__type).toBe('InvalidParameterException');
    const neither = await call('BatchGetSecretValue', {});
    expect(neither.body.__type).toBe('InvalidParameterException');
  });

  it('pages BatchGetSecretValue by filters', async () => {
    const first = await call('BatchGetSecretValue', {
      Filters: [{ Key: 'name', Values: ['list/'] }],
      MaxResults: 20,
    });
    expect(first.body.SecretValues).toHaveLength(20);
    const second = await call('BatchGetSecretValue', {
      Filters: [{ Key: 'name', Values: ['list/'] }],
      MaxResults: 20,
      NextToken: first.body.NextToken,
    });
    expect(second.body.SecretValues).toHaveLength(5);
    expect(second.body.NextToken).toBeUndefined();
  });
});

describe('AWS Secrets Manager emulator: faults, counters, snapshot', () => {
  it('injects the service 500, throttling and outages, and counts calls per operation', async () => {
    const faulty = await startAwsSecretsManagerEmulator();
    try {
      faulty.faults.set({ errorRate: 1 });
      const error = await call('ListSecrets', {}, { on: faulty });
      expect(error.status).toBe(500);
      expect(error.body).toEqual({
        __type: 'InternalServiceError',
        Message: 'An error occurred on the server side.',
      });
      faulty.faults.set({ errorRate: 0, throttleRate: 1 });
      const throttled = await call('ListSecrets', {}, { on: faulty });
      expect(throttled.status).toBe(400);
      expect(throttled.body).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
      faulty.faults.set({ throttleRate: 0, outage: true });
      await expect(call('ListSecrets', {}, { on: faulty })).rejects.toThrow();
      faulty.faults.clear();
      expect((await call('ListSecrets', {}, { on: faulty })).status).toBe(200);
      expect(faulty.calls.ListSecrets).toBe(4);
      expect(faulty.faults.injected).toEqual({ outage: 1, error: 1, throttle: 1, echo: 0 });
      faulty.resetCalls();
      expect(faulty.calls).toEqual({});
    } finally {
      await faulty.stop();
    }
  });

  it('keeps state in a snapshot file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-aws-emulator-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startAwsSecretsManagerEmulator({ snapshotFile: file });
      await call('CreateSecret', { Name: 'persisted', SecretString: 'kept' }, { on: first });
      await first.stop();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8')).secrets).toHaveLength(1);
      const second = await startAwsSecretsManagerEmulator({ snapshotFile: file });
      try {
        expect(
          (await call('GetSecretValue', { SecretId: 'persisted' }, { on: second })).body.SecretString,
        ).toBe('kept');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
