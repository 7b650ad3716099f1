import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { crc32c } from '../../src/gcp/crc32c.js';
import { type GcpSecretManagerEmulator, startGcpSecretManagerEmulator } from '../../src/index.js';
import { clientFor, grpcError } from '../support/gcp-client.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from the Secret Manager API's protos (their field and method documentation),
// the service's filtering guide, and the filtering grammar (AIP-160) it follows.
const PROTOS = 'googleapis/googleapis';
const service = (rpc: string): Source => ({
  repo: PROTOS,
  file: 'google/cloud/secretmanager/v1/service.proto',
  test: rpc,
});
const resources = (field: string): Source => ({
  repo: PROTOS,
  file: 'google/cloud/secretmanager/v1/resources.proto',
  test: field,
});
const FILTERING = (example: string): Source => ({
  repo: 'cloud.google.com',
  file: 'secret-manager/docs/filtering',
  test: example,
});
const AIP160: Source = {
  repo: 'aip-dev/google.aip.dev',
  file: 'aip/general/0160.md',
  test: 'Filtering: OR binds tighter than AND',
};

const PROJECT = 'conformance';
const parent = `projects/${PROJECT}`;
let clock = Date.UTC(2026, 2, 1);
let emulator: GcpSecretManagerEmulator;
let client: SecretManagerServiceClient;

const secretPath = (id: string) => `${parent}/secrets/${id}`;

async function createSecret(
  id: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  const [secret] = await client.createSecret({
    parent,
    secretId: id,
    secret: { replication: { automatic: {} }, labels, ...extra },
  });
  return secret;
}

async function addVersion(id: string, data: string) {
  const [version] = await client.addSecretVersion({
    parent: secretPath(id),
    payload: { data: Buffer.from(data) },
  });
  return version;
}

async function listNames(filter: string): Promise<string[]> {
  const [secrets] = await client.listSecrets({ parent, filter });
  return secrets.map((s) => s.name!.split('/').at(-1)!).sort();
}

beforeAll(async () => {
  emulator = await startGcpSecretManagerEmulator({ projects: [PROJECT], now: () => clock });
  client = clientFor(emulator);
});
afterAll(async () => {
  await client.close();
  await emulator.stop();
});

describe('GCP Secret Manager conformance: secrets and versions', () => {
  recorded(
    'CreateSecret answers the resource with its name, replication, create_time and etag',
    resources('Secret'),
    async () => {
      const id = unique('created');
      const secret = await createSecret(id, { team: 'core' });
      expect(secret.name).toBe(secretPath(id));
      expect(secret.replication?.automatic).toBeDefined();
      expect(Number(secret.createTime?.seconds) * 1000).toBeGreaterThanOrEqual(
        Math.floor(clock / 1000) * 1000,
      );
      expect(secret.labels).toEqual({ team: 'core' });
      expect(secret.etag).toMatch(/^".+"$/);
    },
  );

  recorded('CreateSecret of an existing id is ALREADY_EXISTS', service('CreateSecret'), async () => {
    const id = unique('dup');
    await createSecret(id);
    expect((await grpcError(createSecret(id))).code).toBe(grpc.status.ALREADY_EXISTS);
  });

  recorded(
    'a secret_id outside [a-zA-Z0-9_-]{1,255} is INVALID_ARGUMENT',
    resources('Secret.name / CreateSecretRequest.secret_id'),
    async () => {
      expect((await grpcError(createSecret('bad id!'))).code).toBe(grpc.status.INVALID_ARGUMENT);
    },
  );

  recorded('labels: keys must start lower-case, at most 64 of them', resources('Secret.labels'), async () => {
    expect((await grpcError(createSecret(unique('label'), { Upper: 'x' }))).code).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect((await grpcError(createSecret(unique('labels'), many))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  recorded(
    'versions/latest is the most recently created version',
    service('AccessSecretVersion: latest alias'),
    async () => {
      const id = unique('latest');
      await createSecret(id);
      await addVersion(id, 'one');
      const second = await addVersion(id, 'two');
      const [access] = await client.accessSecretVersion({ name: `${secretPath(id)}/versions/latest` });
      expect(access.name).toBe(second.name);
      expect(Buffer.from(access.payload!.data as Uint8Array).toString()).toBe('two');
    },
  );

  recorded('an accessed payload carries its CRC32C', resources('SecretPayload.data_crc32c'), async () => {
    const id = unique('crc');
    await createSecret(id);
    await addVersion(id, 'checked');
    const [access] = await client.accessSecretVersion({ name: `${secretPath(id)}/versions/1` });
    expect(Number(access.payload!.dataCrc32c)).toBe(crc32c(Buffer.from('checked')));
  });

  recorded(
    'a payload whose data_crc32c does not match is INVALID_ARGUMENT',
    resources('SecretPayload.data_crc32c'),
    async () => {
      const id = unique('bad-crc');
      await createSecret(id);
      const refused = await grpcError(
        client.addSecretVersion({
          parent: secretPath(id),
          payload: { data: Buffer.from('x'), dataCrc32c: 12345 },
        }),
      );
      expect(refused.code).toBe(grpc.status.INVALID_ARGUMENT);
    },
  );

  recorded('a missing secret is NOT_FOUND', service('GetSecret / AccessSecretVersion'), async () => {
    expect((await grpcError(client.getSecret({ name: secretPath(unique('missing')) }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(
      (
        await grpcError(
          client.accessSecretVersion({ name: `${secretPath(unique('missing'))}/versions/latest` }),
        )
      ).code,
    ).toBe(grpc.status.NOT_FOUND);
  });

  recorded(
    'a disabled version is FAILED_PRECONDITION to access, and enabling brings it back',
    service('DisableSecretVersion / EnableSecretVersion'),
    async () => {
      const id = unique('disabled');
      await createSecret(id);
      const version = await addVersion(id, 'v');
      const [disabled] = await client.disableSecretVersion({ name: version.name! });
      expect(disabled.state).toBe('DISABLED');
      expect((await grpcError(client.accessSecretVersion({ name: version.name! }))).code).toBe(
        grpc.status.FAILED_PRECONDITION,
      );
      const [enabled] = await client.enableSecretVersion({ name: version.name! });
      expect(enabled.state).toBe('ENABLED');
      expect(
        Buffer.from(
          (await client.accessSecretVersion({ name: version.name! }))[0].payload!.data as Uint8Array,
        ).toString(),
      ).toBe('v');
    },
  );

  recorded(
    'destroying a version is final and stamps destroy_time',
    service('DestroySecretVersion'),
    async () => {
      const id = unique('destroyed');
      await createSecret(id);
      const version = await addVersion(id, 'v');
      const [destroyed] = await client.destroySecretVersion({ name: version.name! });
      expect(destroyed.state).toBe('DESTROYED');
      expect(destroyed.destroyTime).toBeTruthy();
      expect((await grpcError(client.enableSecretVersion({ name: version.name! }))).code).toBe(
        grpc.status.FAILED_PRECONDITION,
      );
      expect((await grpcError(client.accessSecretVersion({ name: version.name! }))).code).toBe(
        grpc.status.FAILED_PRECONDITION,
      );
    },
  );

  recorded('an UpdateSecret with a stale etag is refused', resources('Secret.etag'), async () => {
    const id = unique('etag');
    const secret = await createSecret(id);
    await client.updateSecret({
      secret: { name: secret.name, labels: { a: '1' } },
      updateMask: { paths: ['labels'] },
    });
    const stale = await grpcError(
      client.updateSecret({
        secret: { name: secret.name, labels: { a: '2' }, etag: secret.etag },
        updateMask: { paths: ['labels'] },
      }),
    );
    expect(stale.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  recorded(
    'a secret given a ttl carries expire_time and is gone once it passes',
    resources('Secret.expire_time / Secret.ttl'),
    async () => {
      const id = unique('ttl');
      await createSecret(id, {}, { ttl: { seconds: 3600 } });
      const [secret] = await client.getSecret({ name: secretPath(id) });
      expect(Number(secret.expireTime!.seconds)).toBe(Math.floor((clock + 3_600_000) / 1000));
      clock += 3_600_000;
      expect((await grpcError(client.getSecret({ name: secretPath(id) }))).code).toBe(grpc.status.NOT_FOUND);
    },
  );

  recorded('DeleteSecret removes the secret and its versions', service('DeleteSecret'), async () => {
    const id = unique('deleted');
    await createSecret(id);
    await addVersion(id, 'v');
    await client.deleteSecret({ name: secretPath(id) });
    expect((await grpcError(client.getSecret({ name: secretPath(id) }))).code).toBe(grpc.status.NOT_FOUND);
    expect((await grpcError(client.accessSecretVersion({ name: `${secretPath(id)}/versions/1` }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });
});

describe('GCP Secret Manager conformance: pages and filters', () => {
  const project = 'filtering';
  const fparent = `projects/${project}`;
  let fclient: SecretManagerServiceClient;
  let femulator: GcpSecretManagerEmulator;
  let midway = 0;
  const names = async (filter: string) => {
    const [secrets] = await fclient.listSecrets({ parent: fparent, filter });
    return secrets.map((s) => s.name!.split('/').at(-1)!).sort();
  };
  beforeAll(async () => {
    let fclock = Date.UTC(2026, 0, 1);
    femulator = await startGcpSecretManagerEmulator({ now: () => fclock });
    fclient = clientFor(femulator);
    const make = async (id: string, labels: Record<string, string>) => {
      await fclient.createSecret({
        parent: fparent,
        secretId: id,
        secret: { replication: { automatic: {} }, labels },
      });
      fclock += 86_400_000;
    };
    await make('asecret-1', { environment: 'production', tier: 'web' });
    await make('bsecret-1', { environment: 'staging', tier: 'web' });
    midway = fclock;
    await make('csecret-1', { tier: 'db' });
    await make('asecret-2', { environment: 'production', tier: 'db' });
  });
  afterAll(async () => {
    await fclient.close();
    await femulator.stop();
  });

  recorded(
    'page_size and next_page_token walk every secret; total_size counts them',
    service('ListSecretsRequest.page_size / ListSecretsResponse.total_size'),
    async () => {
      const [first, , response] = await fclient.listSecrets(
        { parent: fparent, pageSize: 3 },
        { autoPaginate: false },
      );
      expect(first).toHaveLength(3);
      expect(response?.totalSize).toBe(4);
      const [second] = await fclient.listSecrets(
        { parent: fparent, pageSize: 3, pageToken: response!.nextPageToken! },
        { autoPaginate: false },
      );
      expect([...first, ...second].map((s) => s.name)).toHaveLength(4);
      expect(new Set([...first, ...second].map((s) => s.name)).size).toBe(4);
    },
  );

  recorded('name:asecret OR name:bsecret', FILTERING('name:asecret OR name:bsecret'), async () => {
    expect(await names('name:asecret OR name:bsecret')).toEqual(['asecret-1', 'asecret-2', 'bsecret-1']);
  });

  recorded('labels.environment=production', FILTERING('labels.environment=production'), async () => {
    expect(await names('labels.environment=production')).toEqual(['asecret-1', 'asecret-2']);
  });

  recorded(
    'labels.environment:* is the presence of the label',
    FILTERING('labels.environment:*'),
    async () => {
      expect(await names('labels.environment:*')).toEqual(['asecret-1', 'asecret-2', 'bsecret-1']);
    },
  );

  recorded('NOT and - negate a restriction', FILTERING('NOT labels.environment:*'), async () => {
    expect(await names('NOT labels.environment:*')).toEqual(['csecret-1']);
    expect(await names('-labels.environment:*')).toEqual(['csecret-1']);
  });

  recorded(
    'create_time comparisons with RFC 3339 timestamps',
    FILTERING('create_time<2021-01-01T06:00:00Z'),
    async () => {
      const at = new Date(midway).toISOString();
      expect(await names(`create_time<${at}`)).toEqual(['asecret-1', 'bsecret-1']);
      expect(await names(`create_time>=${at} AND labels.tier=db`)).toEqual(['asecret-2', 'csecret-1']);
    },
  );

  recorded('OR binds tighter than AND', AIP160, async () => {
    expect(await names('labels.tier=db labels.environment=production OR labels.environment=staging')).toEqual(
      ['asecret-2'],
    );
    expect(await names('(name:csecret OR name:bsecret) AND labels.tier=web')).toEqual(['bsecret-1']);
  });

  recorded('a filter that does not parse is INVALID_ARGUMENT', AIP160, async () => {
    expect((await grpcError(fclient.listSecrets({ parent: fparent, filter: 'name:(' }))).code).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    expect((await grpcError(fclient.listSecrets({ parent: fparent, filter: 'colour=red' }))).code).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
  });

  recorded('versions filter by state', FILTERING('state:DISABLED (secret versions)'), async () => {
    const id = unique('states');
    await createSecret(id);
    const one = await addVersion(id, '1');
    await addVersion(id, '2');
    await client.disableSecretVersion({ name: one.name! });
    const [disabled] = await client.listSecretVersions({ parent: secretPath(id), filter: 'state:DISABLED' });
    expect(disabled.map((v) => v.name)).toEqual([one.name]);
    const [enabled] = await client.listSecretVersions({
      parent: secretPath(id),
      filter: 'NOT state:DISABLED',
    });
    expect(enabled).toHaveLength(1);
    expect(await listNames(`name:${id}`)).toEqual([id]);
  });
});
