import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from '../src/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const PLANTED = 'planted-value-must-not-leak-7f3a';

describe('Kubernetes emulator: core/v1 Secrets over HTTP', () => {
  let k8s: KubernetesEmulator;
  const readerToken = 'reader-token';
  const teamToken = 'team-a-token';

  beforeAll(async () => {
    k8s = await startKubernetesEmulator({
      namespaces: ['default', 'team-a', 'team-b'],
      tokens: {
        'admin-token': { user: 'admin' },
        [teamToken]: { user: 'system:serviceaccount:team-a:app', namespaces: ['team-a'] },
        [readerToken]: { user: 'reader', verbs: ['get', 'list'] },
      },
    });
  });
  afterAll(() => k8s.stop());

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    init: { token?: string | null; contentType?: string } = {},
  ) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = init.token === undefined ? k8s.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    const res = await fetch(`${k8s.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const secrets = (ns = 'default') => `/api/v1/namespaces/${ns}/secrets`;

  it('creates a Secret: 201, server fields set, stringData merged into data and never returned', async () => {
    const res = await call('POST', secrets(), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', labels: { app: 'shop' } },
      data: { user: b64('admin') },
      stringData: { password: PLANTED },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Secret', apiVersion: 'v1', type: 'Opaque' });
    expect(res.body.stringData).toBeUndefined();
    expect(res.body.data).toEqual({ user: b64('admin'), password: b64(PLANTED) });
    const m = res.body.metadata;
    expect(m).toMatchObject({ name: 'db', namespace: 'default', generation: 1, labels: { app: 'shop' } });
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    const got = await call('GET', `${secrets()}/db`);
    expect(got.body.data.password).toBe(b64(PLANTED));
  });

  it('answers 409 AlreadyExists and 404 NotFound with Status bodies as the API server writes them', async () => {
    const again = await call('POST', secrets(), { metadata: { name: 'db' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "db" already exists',
      reason: 'AlreadyExists',
      details: { name: 'db', kind: 'secrets' },
      code: 409,
    });
    const missing = await call('GET', `${secrets()}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'secrets' },
      code: 404,
    });
    const noNamespace = await call('POST', secrets('ghost'), { metadata: { name: 'x' } });
    expect(noNamespace.status).toBe(404);
    expect(noNamespace.body.message).toBe('namespaces "ghost" not found');
  });

  it('replaces with resourceVersion and refuses a stale one with 409 Conflict', async () => {
    const current = (await call('GET', `${secrets()}/db`)).body;
    const replaced = await call('PUT', `${secrets()}/db`, { ...current, data: { user: b64('root') } });
    expect(replaced.status).toBe(200);
    expect(Number(replaced.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(current.metadata.resourceVersion),
    );
    expect(replaced.body.metadata.generation).toBe(2);
    expect(replaced.body.metadata.uid).toBe(current.metadata.uid);
    const stale = await call('PUT', `${secrets()}/db`, current);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on secrets "db": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'db', kind: 'secrets' },
    });
    const missing = await call('PUT', `${secrets()}/ghost`, { metadata: { name: 'ghost' } });
    expect(missing.status).toBe(404);
    const mismatch = await call('PUT', `${secrets()}/db`, { metadata: { name: 'other' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe(
      'the name of the object (other) does not match the name on the URL (db)',
    );
    expect((await call('PUT', `${secrets()}/db`, { data: {} })).status).toBe(400);
  });

  it('bumps a resourceVersion behind the client (test hook), making its replace stale', async () => {
    const read = (await call('GET', `${secrets()}/db`)).body;
    const bumped = k8s.bumpResourceVersion('default', 'db');
    expect(Number(bumped)).toBeGreaterThan(Number(read.metadata.resourceVersion));
    expect((await call('PUT', `${secrets()}/db`, read)).status).toBe(409);
    k8s.staleAfterRead('default', 'db', 1);
    const readAgain = (await call('GET', `${secrets()}/db`)).body;
    expect((await call('PUT', `${secrets()}/db`, readAgain)).status).toBe(409);
    const third = (await call('GET', `${secrets()}/db`)).body;
    expect((await call('PUT', `${secrets()}/db`, third)).status).toBe(200);
  });

  it('patches with merge patch, strategic merge patch (as merge) and JSON patch', async () => {
    const merged = await call(
      'PATCH',
      `${secrets()}/db`,
      { data: { user: null, extra: b64('1') }, stringData: { note: 'n' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(merged.status).toBe(200);
    expect(Object.keys(merged.body.data).sort()).toEqual(['extra', 'note']);
    const strategic = await call(
      'PATCH',
      `${secrets()}/db`,
      { metadata: { labels: { tier: 'gold' } } },
      { contentType: 'application/strategic-merge-patch+json' },
    );
    expect(strategic.body.metadata.labels).toEqual({ app: 'shop', tier: 'gold' });
    const json = await call(
      'PATCH',
      `${secrets()}/db`,
      [
        { op: 'remove', path: '/data/note' },
        { op: 'add', path: '/metadata/labels/x', value: 'y' },
      ],
      {
        contentType: 'application/json-patch+json',
      },
    );
    expect(json.status).toBe(200);
    expect(json.body.data.note).toBeUndefined();
    expect(json.body.metadata.labels.x).toBe('y');
    const stale = await call(
      'PATCH',
      `${secrets()}/db`,
      { metadata: { resourceVersion: '1' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(stale.status).toBe(409);
    const unsupported = await call('PATCH', `${secrets()}/db`, {}, { contentType: 'application/json' });
    expect(unsupported.status).toBe(415);
    expect(unsupported.body.reason).toBe('UnsupportedMediaType');
  });

  it('validates names, data keys, size, labels and base64 with 422 Invalid / 400 BadRequest', async () => {
    const badName = await call('POST', secrets(), { metadata: { name: 'Bad_Name' } });
    expect(badName.status).toBe(422);
    expect(badName.body).toMatchObject({
      reason: 'Invalid',
      code: 422,
      details: { name: 'Bad_Name', kind: 'Secret' },
    });
    expect(badName.body.message).toContain(
      'Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    );
    expect(badName.body.details.causes[0]).toMatchObject({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
    });
    const badKey = await call('POST', secrets(), { metadata: { name: 'k' }, stringData: { 'a/b': 'x' } });
    expect(badKey.status).toBe(422);
    expect(badKey.body.details.causes[0].field).toBe('data[a/b]');
    const huge = await call('POST', secrets(), {
      metadata: { name: 'huge' },
      data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') },
    });
    expect(huge.status).toBe(422);
    expect(huge.body.details.causes[0]).toMatchObject({ reason: 'FieldValueTooLong', field: 'data' });
    const exact = await call('POST', secrets(), {
      metadata: { name: 'exact' },
      data: { a: Buffer.alloc(1024 * 1024).toString('base64') },
    });
    expect(exact.status).toBe(201);
    const badLabel = await call('POST', secrets(), { metadata: { name: 'l', labels: { ok: 'has space' } } });
    expect(badLabel.status).toBe(422);
    const badBase64 = await call('POST', secrets(), { metadata: { name: 'b' }, data: { a: 'not base64!' } });
    expect(badBase64.status).toBe(400);
    expect(badBase64.body.reason).toBe('BadRequest');
    expect(JSON.stringify([badName.body, badKey.body, huge.body])).not.toContain(PLANTED);
  });

  it('generates names from generateName and validates without storing under dryRun=All', async () => {
    const generated = await call('POST', secrets(), { metadata: { generateName: 'gen-' } });
    expect(generated.status).toBe(201);
    expect(generated.body.metadata.name).toMatch(/^gen-[0-9a-z]{5}$/);
    expect(generated.body.metadata.generateName).toBe('gen-');
    const dry = await call('POST', `${secrets()}?dryRun=All`, { metadata: { name: 'dry' } });
    expect(dry.status).toBe(201);
    expect((await call('GET', `${secrets()}/dry`)).status).toBe(404);
    expect((await call('POST', `${secrets()}?dryRun=Some`, { metadata: { name: 'dry' } })).status).toBe(400);
  });

  it('enforces immutable Secrets', async () => {
    const created = await call('POST', secrets(), {
      metadata: { name: 'frozen' },
      immutable: true,
      stringData: { a: '1' },
    });
    expect(created.status).toBe(201);
    const change = await call(
      'PATCH',
      `${secrets()}/frozen`,
      { stringData: { a: '2' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(change.status).toBe(422);
    expect(change.body.message).toBe(
      'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    const unfreeze = await call(
      'PATCH',
      `${secrets()}/frozen`,
      { immutable: false },
      { contentType: 'application/merge-patch+json' },
    );
    expect(unfreeze.status).toBe(422);
    const labels = await call(
      'PATCH',
      `${secrets()}/frozen`,
      { metadata: { labels: { a: 'b' } } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(labels.status).toBe(200);
    expect((await call('DELETE', `${secrets()}/frozen`)).status).toBe(200);
  });

  it('lists with label selectors, limit/continue paging and a list resourceVersion', async () => {
    for (let i = 0; i < 7; i++)
      await call('POST', secrets('team-b'), {
        metadata: {
          name: `s${i}`,
          labels: { idx: String(i), parity: i % 2 ? 'odd' : 'even', ...(i === 3 ? { special: '' } : {}) },
        },
      });
    const names = (r: { body: { items: { metadata: { name: string } }[] } }) =>
      r.body.items.map((s) => s.metadata.name);
    const select = (selector: string) =>
      call('GET', `${secrets('team-b')}?labelSelector=${encodeURIComponent(selector)}`);
    expect(names(await select('parity=odd'))).toEqual(['s1', 's3', 's5']);
    expect(names(await select('parity==even,idx!=0'))).toEqual(['s2', 's4', 's6']);
    expect(names(await select('idx in (1, 2,9)'))).toEqual(['s1', 's2']);
    expect(names(await select('idx notin (0,1,2,3,4)'))).toEqual(['s5', 's6']);
    expect(names(await select('special'))).toEqual(['s3']);
    expect(names(await select('!special,parity=odd'))).toEqual(['s1', 's5']);
    expect((await select('a b c')).status).toBe(400);

    const first = await call('GET', `${secrets('team-b')}?limit=3`);
    expect(first.body.kind).toBe('SecretList');
    expect(first.body.items[0].kind).toBeUndefined();
    expect(first.body.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(first.body.metadata.remainingItemCount).toBe(4);
    const seen = names(first);
    let token = first.body.metadata.continue;
    while (token) {
      const page = await call('GET', `${secrets('team-b')}?limit=3&continue=${encodeURIComponent(token)}`);
      expect(page.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      seen.push(...names(page));
      token = page.body.metadata.continue;
    }
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect((await call('GET', `${secrets('team-b')}?limit=2&continue=garbage`)).status).toBe(400);
    const all = await call('GET', '/api/v1/secrets?fieldSelector=metadata.namespace%3Dteam-b');
    expect(all.body.items).toHaveLength(7);
  });

  it('deletes: a success Status with the uid, then 404; honours preconditions', async () => {
    const created = (await call('POST', secrets(), { metadata: { name: 'gone' } })).body;
    const wrong = await call('DELETE', `${secrets()}/gone`, { preconditions: { resourceVersion: '1' } });
    expect(wrong.status).toBe(409);
    const res = await call('DELETE', `${secrets()}/gone`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', kind: 'secrets', uid: created.metadata.uid },
    });
    expect((await call('DELETE', `${secrets()}/gone`)).status).toBe(404);
  });

  it('authenticates bearer tokens (401) and authorizes per namespace and verb (403)', async () => {
    const anonymous = await call('GET', `${secrets()}/db`, undefined, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect((await call('GET', `${secrets()}/db`, undefined, { token: 'wrong' })).status).toBe(401);

    const denied = await call('GET', `${secrets('default')}/db`, undefined, { token: teamToken });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'secrets "db" is forbidden: User "system:serviceaccount:team-a:app" cannot get resource "secrets" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { name: 'db', kind: 'secrets' },
      code: 403,
    });
    const deniedList = await call('GET', secrets('default'), undefined, { token: teamToken });
    expect(deniedList.body.message).toBe(
      'secrets is forbidden: User "system:serviceaccount:team-a:app" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    expect(deniedList.body.details).toEqual({ kind: 'secrets' });
    expect(
      (await call('POST', secrets('team-a'), { metadata: { name: 'mine' } }, { token: teamToken })).status,
    ).toBe(201);
    expect((await call('GET', secrets('team-b'), undefined, { token: readerToken })).status).toBe(200);
    const readOnly = await call('DELETE', `${secrets('team-b')}/s0`, undefined, { token: readerToken });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.message).toContain('cannot delete resource "secrets"');
  });

  it('injects faults: 500 InternalError, 429 (plain text, as the in-flight filter writes it) with Retry-After, outage drops the socket; counts calls', async () => {
    const before = { ...k8s.calls };
    k8s.faults.set({ errorRate: 1 });
    const error = await call('GET', `${secrets()}/db`);
    expect(error.status).toBe(500);
    expect(error.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
    });
    k8s.faults.set({ errorRate: 0, throttleRate: 1 });
    const throttled = await fetch(`${k8s.url}${secrets()}/db`, {
      headers: { authorization: `Bearer ${k8s.token}` },
    });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await throttled.text()).toBe('Too many requests, please try again later.\n');
    k8s.faults.set({ throttleRate: 0, outage: true });
    await expect(call('GET', `${secrets()}/db`)).rejects.toThrow();
    k8s.faults.clear();
    expect((await call('GET', `${secrets()}/db`)).status).toBe(200);
    expect(k8s.calls.total - before.total).toBe(4);
    expect(k8s.calls.get - before.get).toBe(1);
    expect(k8s.faults.injected).toMatchObject({ error: 1, throttle: 1, outage: 1 });
  });
});

describe('Kubernetes emulator over HTTPS', () => {
  it('serves with a generated certificate that the returned CA verifies', async () => {
    const k8s = await startKubernetesEmulator({ https: true });
    try {
      expect(k8s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(k8s.ca).toContain('BEGIN CERTIFICATE');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${k8s.url}/api/v1/namespaces/default/secrets`,
          { agent: new Agent({ ca: k8s.ca }), headers: { authorization: `Bearer ${k8s.token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(k8s.kubeconfigYaml()).toContain('certificate-authority-data:');
    } finally {
      await k8s.stop();
    }
  });
});
