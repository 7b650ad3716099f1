import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../src/gcp/crc32c.js';
import { type GcpSecretManagerEmulator, startGcpSecretManagerEmulator } from '../src/index.js';
import { clientFor, grpcError } from './support/gcp-client.js';

const PROJECT = 'hush-test';
const VALUE = 'planted-value-7f3a';

describe('crc32c', () => {
  it('matches the Castagnoli check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
  });
});

describe('GCP Secret Manager emulator through @google-cloud/secret-manager over TLS', () => {
  let emulator: GcpSecretManagerEmulator;
  let client: SecretManagerServiceClient;

  // The emulator's clock: a test moves it forward to pass an expiry without waiting.
  let clockOffset = 0;
  beforeAll(async () => {
    emulator = await startGcpSecretManagerEmulator({
      projects: [PROJECT],
      now: () => Date.now() + clockOffset,
    });
    client = clientFor(emulator);
  });
  afterAll(async () => {
    await client.close();
    await emulator.stop();
  });

  it('creates a secret, adds versions and accesses latest and numbered versions with their CRC32C', async () => {
    const [secret] = await client.createSecret({
      parent: `projects/${PROJECT}`,
      secretId: 'db-password',
      secret: { replication: { automatic: {} }, labels: { team: 'core' } },
    });
    expect(secret.name).toBe(`projects/${PROJECT}/secrets/db-password`);
    expect(secret.labels).toEqual({ team: 'core' });
    const [v1] = await client.addSecretVersion({
      parent: secret.name!,
      payload: { data: Buffer.from('first') },
    });
    expect(v1.name).toBe(`projects/${PROJECT}/secrets/db-password/versions/1`);
    expect(v1.state).toBe('ENABLED');
    const [v2] = await client.addSecretVersion({
      parent: secret.name!,
      payload: { data: Buffer.from(VALUE), dataCrc32c: crc32c(Buffer.from(VALUE)) },
    });
    expect(v2.clientSpecifiedPayloadChecksum).toBe(true);

    const [latest] = await client.accessSecretVersion({ name: `${secret.name}/versions/latest` });
    expect(latest.name).toBe(`${secret.name}/versions/2`);
    expect(Buffer.from(latest.payload!.data as Uint8Array).toString()).toBe(VALUE);
    expect(Number(latest.payload!.dataCrc32c)).toBe(crc32c(Buffer.from(VALUE)));
    const [first] = await client.accessSecretVersion({ name: `${secret.name}/versions/1` });
    expect(Buffer.from(first.payload!.data as Uint8Array).toString()).toBe('first');
    const [meta] = await client.getSecretVersion({ name: `${secret.name}/versions/latest` });
    expect(meta.name).toBe(`${secret.name}/versions/2`);
  });

  it('refuses a payload whose client-supplied CRC32C does not match with INVALID_ARGUMENT', async () => {
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'crc-check', secret: {} });
    const error = await grpcError(
      client.addSecretVersion({
        parent: `projects/${PROJECT}/secrets/crc-check`,
        payload: { data: Buffer.from(VALUE), dataCrc32c: 12345 },
      }),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).not.toContain(VALUE);
    const [versions] = await client.listSecretVersions({ parent: `projects/${PROJECT}/secrets/crc-check` });
    expect(versions).toHaveLength(0);
  });

  it('answers NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT as the service does', async () => {
    expect((await grpcError(client.getSecret({ name: `projects/${PROJECT}/secrets/missing` }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(
      (
        await grpcError(
          client.accessSecretVersion({ name: `projects/${PROJECT}/secrets/missing/versions/latest` }),
        )
      ).code,
    ).toBe(grpc.status.NOT_FOUND);
    expect(
      (
        await grpcError(
          client.accessSecretVersion({ name: `projects/${PROJECT}/secrets/db-password/versions/9` }),
        )
      ).code,
    ).toBe(grpc.status.NOT_FOUND);
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'dup', secret: {} });
    expect(
      (await grpcError(client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'dup', secret: {} })))
        .code,
    ).toBe(grpc.status.ALREADY_EXISTS);
    for (const secretId of ['a/b', 'a.b', '', 'x'.repeat(256)]) {
      expect(
        (await grpcError(client.createSecret({ parent: `projects/${PROJECT}`, secretId, secret: {} }))).code,
      ).toBe(grpc.status.INVALID_ARGUMENT);
    }
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'x'.repeat(255), secret: {} });
  });

  it('refuses disabled and destroyed versions with FAILED_PRECONDITION; destruction is final', async () => {
    const parent = `projects/${PROJECT}/secrets/states`;
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'states', secret: {} });
    await client.addSecretVersion({ parent, payload: { data: Buffer.from('one') } });
    await client.addSecretVersion({ parent, payload: { data: Buffer.from('two') } });

    const [disabled] = await client.disableSecretVersion({ name: `${parent}/versions/2` });
    expect(disabled.state).toBe('DISABLED');
    const refused = await grpcError(client.accessSecretVersion({ name: `${parent}/versions/latest` }));
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toBe(`Secret Version [${parent}/versions/2] is in DISABLED state.`);
    await client.enableSecretVersion({ name: `${parent}/versions/2` });
    const [again] = await client.accessSecretVersion({ name: `${parent}/versions/latest` });
    expect(Buffer.from(again.payload!.data as Uint8Array).toString()).toBe('two');

    const [destroyed] = await client.destroySecretVersion({ name: `${parent}/versions/1` });
    expect(destroyed.state).toBe('DESTROYED');
    expect(destroyed.destroyTime).toBeTruthy();
    const gone = await grpcError(client.accessSecretVersion({ name: `${parent}/versions/1` }));
    expect(gone.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(gone.details).toContain('DESTROYED');
    expect((await grpcError(client.enableSecretVersion({ name: `${parent}/versions/1` }))).code).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
  });

  it('checks etags: a stale etag is FAILED_PRECONDITION', async () => {
    const parent = `projects/${PROJECT}/secrets/etags`;
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'etags', secret: {} });
    const [v] = await client.addSecretVersion({ parent, payload: { data: Buffer.from('x') } });
    await client.disableSecretVersion({ name: v.name!, etag: v.etag! });
    expect((await grpcError(client.enableSecretVersion({ name: v.name!, etag: v.etag! }))).code).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
    expect((await grpcError(client.deleteSecret({ name: parent, etag: '"stale"' }))).code).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
  });

  it('updates labels through update_mask and validates them', async () => {
    const name = `projects/${PROJECT}/secrets/labelled`;
    await client.createSecret({
      parent: `projects/${PROJECT}`,
      secretId: 'labelled',
      secret: { labels: { a: '1' } },
    });
    const [updated] = await client.updateSecret({
      secret: { name, labels: { env: 'prod', owner: '' } },
      updateMask: { paths: ['labels'] },
    });
    expect(updated.labels).toEqual({ env: 'prod', owner: '' });
    const badLabels: Record<string, string>[] = [
      { Env: 'x' },
      { env: 'Prod' },
      { '1env': 'x' },
      { env: 'a.b' },
    ];
    for (const labels of badLabels) {
      expect(
        (
          await grpcError(
            client.updateSecret({ secret: { name, labels }, updateMask: { paths: ['labels'] } }),
          )
        ).code,
      ).toBe(grpc.status.INVALID_ARGUMENT);
    }
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(
      (
        await grpcError(
          client.updateSecret({ secret: { name, labels: tooMany }, updateMask: { paths: ['labels'] } }),
        )
      ).code,
    ).toBe(grpc.status.INVALID_ARGUMENT);
    const [read] = await client.getSecret({ name });
    expect(read.labels).toEqual({ env: 'prod', owner: '' });
  });

  it('pages ListSecrets newest first with page tokens and filters by name and label', async () => {
    const project = `projects/${PROJECT}`;
    for (let i = 0; i < 7; i++)
      await client.createSecret({
        parent: project,
        secretId: `paged-${i}`,
        secret: { labels: { batch: i % 2 ? 'odd' : 'even' } },
      });
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const [secrets, next] = await client.listSecrets(
        { parent: project, pageSize: 3, filter: 'name:paged-', ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      );
      seen.push(...secrets.map((s) => s.name!.split('/').pop()!));
      pageToken = next?.pageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(['paged-6', 'paged-5', 'paged-4', 'paged-3', 'paged-2', 'paged-1', 'paged-0']);
    const [odd] = await client.listSecrets({ parent: project, filter: 'name:paged- AND labels.batch=odd' });
    expect(odd.map((s) => s.name!.split('/').pop())).toEqual(['paged-5', 'paged-3', 'paged-1']);
    const [all] = await client.listSecrets({ parent: project, pageSize: 2 });
    expect(all.length).toBeGreaterThanOrEqual(7);
  });

  it('keeps paging right when the last secret of a page is deleted before the next page', async () => {
    const project = `projects/${PROJECT}`;
    for (let i = 0; i < 5; i++)
      await client.createSecret({ parent: project, secretId: `churn-${i}`, secret: {} });
    const [first, next] = await client.listSecrets(
      { parent: project, pageSize: 2, filter: 'name:churn-' },
      { autoPaginate: false },
    );
    expect(first.map((s) => s.name!.split('/').pop())).toEqual(['churn-4', 'churn-3']);
    await client.deleteSecret({ name: `${project}/secrets/churn-3` });
    const [second] = await client.listSecrets(
      { parent: project, pageSize: 10, filter: 'name:churn-', pageToken: next!.pageToken! },
      { autoPaginate: false },
    );
    expect(second.map((s) => s.name!.split('/').pop())).toEqual(['churn-2', 'churn-1', 'churn-0']);
    expect(
      (
        await grpcError(
          client.listSecrets({ parent: project, pageToken: 'not-a-token' }, { autoPaginate: false }),
        )
      ).code,
    ).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('pages ListSecretVersions newest first', async () => {
    const parent = `projects/${PROJECT}/secrets/many-versions`;
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'many-versions', secret: {} });
    for (let i = 0; i < 5; i++)
      await client.addSecretVersion({ parent, payload: { data: Buffer.from(`v${i}`) } });
    const [versions] = await client.listSecretVersions({ parent, pageSize: 2 });
    expect(versions.map((v) => v.name!.split('/').pop())).toEqual(['5', '4', '3', '2', '1']);
  });

  it('deletes a secret with all of its versions', async () => {
    const name = `projects/${PROJECT}/secrets/doomed`;
    await client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'doomed', secret: {} });
    await client.addSecretVersion({ parent: name, payload: { data: Buffer.from('x') } });
    await client.deleteSecret({ name });
    expect((await grpcError(client.getSecret({ name }))).code).toBe(grpc.status.NOT_FOUND);
    expect((await grpcError(client.deleteSecret({ name }))).code).toBe(grpc.status.NOT_FOUND);
  });

  it('deletes a secret when its expire_time passes', async () => {
    const name = `projects/${PROJECT}/secrets/short-lived`;
    await client.createSecret({
      parent: `projects/${PROJECT}`,
      secretId: 'short-lived',
      secret: { ttl: { seconds: 60 } },
    });
    const [secret] = await client.getSecret({ name });
    expect(Number(secret.expireTime!.seconds)).toBeGreaterThan(Date.now() / 1000);
    clockOffset += 59_000;
    expect((await client.getSecret({ name }))[0].name).toBe(name);
    clockOffset += 1_000;
    expect((await grpcError(client.getSecret({ name }))).code).toBe(grpc.status.NOT_FOUND);
  });

  it('checks the bearer token: missing or wrong is UNAUTHENTICATED, another project PERMISSION_DENIED', async () => {
    const anonymous = clientFor(emulator, null);
    const wrong = clientFor(emulator, 'ya29.not-a-real-token');
    try {
      expect(
        (await grpcError(anonymous.getSecret({ name: `projects/${PROJECT}/secrets/db-password` }))).code,
      ).toBe(grpc.status.UNAUTHENTICATED);
      expect(
        (await grpcError(wrong.getSecret({ name: `projects/${PROJECT}/secrets/db-password` }))).code,
      ).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      await anonymous.close();
      await wrong.close();
    }
    const denied = await grpcError(client.listSecrets({ parent: 'projects/someone-else' }));
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain("Permission 'secretmanager.secrets.list' denied");
  });

  it('injects faults with the service codes and counts calls per method', async () => {
    const name = `projects/${PROJECT}/secrets/db-password`;
    const before = emulator.calls.GetSecret;
    try {
      emulator.faults.set({ throttleRate: 1 });
      expect((await grpcError(client.getSecret({ name }))).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      emulator.faults.set({ throttleRate: 0, errorRate: 1 });
      expect((await grpcError(client.getSecret({ name }))).code).toBe(grpc.status.INTERNAL);
      emulator.faults.set({ errorRate: 0, outage: true });
      expect((await grpcError(client.getSecret({ name }))).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      emulator.faults.clear();
    }
    expect(emulator.calls.GetSecret).toBe(before + 3);
    expect(emulator.faults.injected).toMatchObject({ throttle: 1, error: 1, outage: 1 });
    await client.getSecret({ name });
  });

  it('suspends its listener like a crashed server and resumes on the same port', async () => {
    const name = `projects/${PROJECT}/secrets/db-password`;
    await emulator.suspend();
    try {
      const error = await grpcError(client.getSecret({ name }, { timeout: 1500 }));
      // The dropped connection surfaces as CANCELLED or UNAVAILABLE, a dead port as UNAVAILABLE or a deadline.
      expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(
        error.code,
      );
    } finally {
      await emulator.resume();
    }
    const [secret] = await client.getSecret({ name }, { timeout: 10_000 });
    expect(secret.name).toBe(name);
  });

  it('corrupts a reported checksum through a test hook', async () => {
    const name = `projects/${PROJECT}/secrets/db-password/versions/1`;
    emulator.testHooks.corruptChecksum(name);
    const [response] = await client.accessSecretVersion({ name });
    expect(Number(response.payload!.dataCrc32c)).not.toBe(
      crc32c(Buffer.from(response.payload!.data as Uint8Array)),
    );
  });
});

describe('GCP emulator options', () => {
  it('keeps state in a snapshot file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-gcp-snap-'));
    const snapshotFile = join(dir, 'state.json');
    try {
      const first = await startGcpSecretManagerEmulator({ snapshotFile, tokens: ['t1'] });
      const c1 = clientFor(first);
      await c1.createSecret({ parent: 'projects/p', secretId: 'kept', secret: { labels: { a: 'b' } } });
      await c1.addSecretVersion({ parent: 'projects/p/secrets/kept', payload: { data: Buffer.from(VALUE) } });
      await c1.close();
      await first.stop();
      const second = await startGcpSecretManagerEmulator({ snapshotFile, tokens: ['t1'] });
      const c2 = clientFor(second);
      const [access] = await c2.accessSecretVersion({ name: 'projects/p/secrets/kept/versions/latest' });
      expect(Buffer.from(access.payload!.data as Uint8Array).toString()).toBe(VALUE);
      await c2.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves plain gRPC when insecure, with tokens from per-call headers', async () => {
    const emulator = await startGcpSecretManagerEmulator({ insecure: true });
    const client = new SecretManagerServiceClient({
      apiEndpoint: emulator.apiEndpoint,
      port: emulator.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
    try {
      expect(emulator.url.startsWith('http://')).toBe(true);
      expect((await grpcError(client.listSecrets({ parent: 'projects/p' }))).code).toBe(
        grpc.status.UNAUTHENTICATED,
      );
      const [secrets] = await client.listSecrets(
        { parent: 'projects/p' },
        { otherArgs: { headers: { authorization: `Bearer ${emulator.token}` } } },
      );
      expect(secrets).toEqual([]);
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});
