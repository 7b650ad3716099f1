import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../src/index.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from the API server's own code: the Secret validation, the Status errors of
// apimachinery, the Secret table printer, and the documented list chunking and OpenAPI discovery.
const K8S = 'kubernetes/kubernetes';
const validation = (rule: string): Source => ({
  repo: K8S,
  file: 'pkg/apis/core/validation/validation.go',
  test: rule,
});
const apiErrors = (fn: string): Source => ({
  repo: K8S,
  file: 'staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go',
  test: fn,
});
const PRINTER: Source = {
  repo: K8S,
  file: 'pkg/printers/internalversion/printers.go',
  test: 'secretColumnDefinitions / printSecret',
};
const CHUNKS: Source = {
  repo: 'kubernetes/website',
  file: 'content/en/docs/reference/using-api/api-concepts.md',
  test: 'Retrieving large results sets in chunks',
};
const TYPES: Source = {
  repo: K8S,
  file: 'staging/src/k8s.io/api/core/v1/types.go',
  test: 'Secret.StringData',
};

interface Answer {
  status: number;
  body: any;
}

let k8s: KubernetesEmulator;
let clock = Date.UTC(2026, 0, 10, 12);

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  token: string | null = k8s.token,
): Promise<Answer> {
  const response = await fetch(`${k8s.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

async function callRaw(method: string, path: string, body: Buffer, contentType: string): Promise<Answer> {
  const response = await fetch(`${k8s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${k8s.token}`,
      'content-type': contentType,
      accept: 'application/json',
    },
    body,
  });
  return { status: response.status, body: await response.json() };
}

/** Protobuf encoding, as the API's generated.proto lays a Secret out (a fixture, written by hand). */
const varint = (n: number) => {
  const out: number[] = [];
  let rest = n;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
};
const field = (number: number, bytes: Buffer) =>
  Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes]);
const text = (number: number, value: string) => field(number, Buffer.from(value));
function protobufSecret(name: string, data: Record<string, string>): Buffer {
  const entries = Object.entries(data).map(([k, v]) => field(2, Buffer.concat([text(1, k), text(2, v)])));
  const secret = Buffer.concat([field(1, text(1, name)), ...entries, text(3, 'Opaque')]);
  const typeMeta = Buffer.concat([text(1, 'v1'), text(2, 'Secret')]);
  const unknown = Buffer.concat([field(1, typeMeta), field(2, secret), text(4, PROTOBUF)]);
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
}
const create = (secret: Record<string, unknown>, namespace = 'default') =>
  call('POST', `/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', ...secret });

function expectInvalid(answer: Answer, name: string, fields: string[], message: string): void {
  expect(answer.status).toBe(422);
  expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
  expect(answer.body.details.causes.map((c: { field: string }) => c.field)).toEqual(fields);
  expect(answer.body.message).toBe(`Secret "${name}" is invalid: ${message}`);
}

beforeAll(async () => {
  k8s = await startKubernetesEmulator({ now: () => clock });
});
afterAll(async () => {
  await k8s.stop();
});

describe('Kubernetes conformance: per-type Secret validation (422)', () => {
  recorded(
    'kubernetes.io/tls needs tls.crt and tls.key',
    validation('ValidateSecret: SecretTypeTLS'),
    async () => {
      const name = unique('tls');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/tls', data: {} }),
        name,
        ['data[tls.crt]', 'data[tls.key]'],
        '[data[tls.crt]: Required value, data[tls.key]: Required value]',
      );
    },
  );

  recorded(
    'kubernetes.io/tls with both keys is created',
    validation('ValidateSecret: SecretTypeTLS'),
    async () => {
      const answer = await create({
        metadata: { name: unique('tls-ok') },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64('cert'), 'tls.key': b64('key') },
      });
      expect(answer.status).toBe(201);
      expect(answer.body.type).toBe('kubernetes.io/tls');
    },
  );

  recorded(
    'kubernetes.io/dockerconfigjson needs .dockerconfigjson',
    validation('ValidateSecret: SecretTypeDockerConfigJson'),
    async () => {
      const name = unique('docker');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: {} }),
        name,
        ['data[.dockerconfigjson]'],
        'data[.dockerconfigjson]: Required value',
      );
    },
  );

  recorded(
    'kubernetes.io/dockerconfigjson must be JSON, and the error hides the contents',
    validation('ValidateSecret: SecretTypeDockerConfigJson json.Unmarshal'),
    async () => {
      const name = unique('docker-bad');
      const answer = await create({
        metadata: { name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('not-json-planted-value') },
      });
      expectInvalid(
        answer,
        name,
        ['data[.dockerconfigjson]'],
        `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'n' looking for beginning of value`,
      );
      expect(JSON.stringify(answer.body)).not.toContain('planted-value');
    },
  );

  recorded(
    'kubernetes.io/dockercfg needs .dockercfg',
    validation('ValidateSecret: SecretTypeDockercfg'),
    async () => {
      const name = unique('dockercfg');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/dockercfg', data: {} }),
        name,
        ['data[.dockercfg]'],
        'data[.dockercfg]: Required value',
      );
    },
  );

  recorded(
    'kubernetes.io/basic-auth needs a username or a password',
    validation('ValidateSecret: SecretTypeBasicAuth'),
    async () => {
      const name = unique('basic');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/basic-auth', data: {} }),
        name,
        ['data[%s][username]', 'data[%s][password]'],
        '[data[%s][username]: Required value, data[%s][password]: Required value]',
      );
      const onlyUser = await create({
        metadata: { name },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'u' },
      });
      expect(onlyUser.status).toBe(201);
    },
  );

  recorded(
    'kubernetes.io/ssh-auth needs a non-empty ssh-privatekey',
    validation('ValidateSecret: SecretTypeSSHAuth'),
    async () => {
      const name = unique('ssh');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }),
        name,
        ['data[%s][ssh-privatekey]'],
        'data[%s][ssh-privatekey]: Required value',
      );
    },
  );

  recorded(
    'a service-account token Secret needs the account name annotation',
    validation('ValidateSecret: SecretTypeServiceAccountToken'),
    async () => {
      const name = unique('sa');
      expectInvalid(
        await create({ metadata: { name }, type: 'kubernetes.io/service-account-token' }),
        name,
        ['metadata.annotations[kubernetes.io/service-account.name]'],
        'metadata.annotations[kubernetes.io/service-account.name]: Required value',
      );
      const annotated = await create({
        metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'default' } },
        type: 'kubernetes.io/service-account-token',
      });
      expect(annotated.status).toBe(201);
    },
  );

  recorded(
    'a data key that is not a config key is refused',
    validation('ValidateSecret: IsConfigMapKey'),
    async () => {
      const name = unique('key');
      const answer = await create({ metadata: { name }, data: { 'a b': b64('v') } });
      expect(answer.status).toBe(422);
      expect(answer.body.details.causes[0]).toMatchObject({
        reason: 'FieldValueInvalid',
        field: 'data[a b]',
      });
      expect(answer.body.message).toContain(
        'data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters',
      );
    },
  );

  recorded(
    'a name that is not a DNS subdomain is refused',
    validation('ValidateSecret: ValidateSecretName (NameIsDNSSubdomain)'),
    async () => {
      const answer = await create({ metadata: { name: 'Bad_Name' } });
      expect(answer.status).toBe(422);
      expect(answer.body.details.causes[0]).toMatchObject({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
      });
      expect(answer.body.message).toContain(
        'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
      );
    },
  );

  recorded(
    'the type of a Secret cannot change',
    validation('ValidateSecretUpdate: type is immutable'),
    async () => {
      const name = unique('retype');
      await create({ metadata: { name }, data: { a: b64('1') } });
      const answer = await call('PUT', `/api/v1/namespaces/default/secrets/${name}`, {
        metadata: { name },
        type: 'kubernetes.io/basic-auth',
        data: { username: b64('u') },
      });
      expectInvalid(
        answer,
        name,
        ['type'],
        'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
      );
    },
  );

  recorded(
    'the data of an immutable Secret cannot change',
    validation('ValidateSecretUpdate: immutable'),
    async () => {
      const name = unique('frozen');
      await create({ metadata: { name }, data: { a: b64('1') }, immutable: true });
      const answer = await call('PUT', `/api/v1/namespaces/default/secrets/${name}`, {
        metadata: { name },
        data: { a: b64('2') },
        immutable: true,
      });
      expectInvalid(answer, name, ['data'], 'data: Forbidden: field is immutable when `immutable` is set');
    },
  );
});

describe('Kubernetes conformance: Status errors', () => {
  recorded('a missing Secret is a NotFound Status', apiErrors('NewNotFound'), async () => {
    const name = unique('missing');
    const answer = await call('GET', `/api/v1/namespaces/default/secrets/${name}`);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `secrets "${name}" not found`,
      reason: 'NotFound',
      details: { name, kind: 'secrets' },
      code: 404,
    });
  });

  recorded(
    'creating an existing name is an AlreadyExists Status',
    apiErrors('NewAlreadyExists'),
    async () => {
      const name = unique('dup');
      await create({ metadata: { name } });
      const answer = await create({ metadata: { name } });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({
        reason: 'AlreadyExists',
        message: `secrets "${name}" already exists`,
        details: { name, kind: 'secrets' },
      });
    },
  );

  recorded(
    'a replace with a stale resourceVersion is a Conflict Status',
    apiErrors('NewConflict'),
    async () => {
      const name = unique('stale');
      const created = (await create({ metadata: { name }, data: { a: b64('1') } })).body;
      await call('PUT', `/api/v1/namespaces/default/secrets/${name}`, {
        metadata: { name },
        data: { a: b64('2') },
      });
      const answer = await call('PUT', `/api/v1/namespaces/default/secrets/${name}`, {
        metadata: { name, resourceVersion: created.metadata.resourceVersion },
        data: { a: b64('3') },
      });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      });
    },
  );

  recorded('a request without a token is an Unauthorized Status', apiErrors('NewUnauthorized'), async () => {
    const answer = await call('GET', '/api/v1/namespaces/default/secrets', undefined, {}, null);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      message: 'Unauthorized',
      code: 401,
    });
  });

  recorded(
    'a Secret in protobuf (k8s\\0 + runtime.Unknown + core/v1 Secret) is created',
    {
      repo: K8S,
      file: 'staging/src/k8s.io/api/core/v1/generated.proto',
      test: 'message Secret / ObjectMeta; runtime.Unknown',
    },
    async () => {
      const name = unique('proto');
      const answer = await callRaw(
        'POST',
        '/api/v1/namespaces/default/secrets',
        protobufSecret(name, { password: 'p1' }),
        PROTOBUF,
      );
      expect(answer.status).toBe(201);
      expect(answer.body.metadata.name).toBe(name);
      expect(answer.body.data).toEqual({ password: b64('p1') });
      expect(answer.body.type).toBe('Opaque');
    },
  );

  recorded(
    'a protobuf body without the k8s magic is a BadRequest',
    {
      repo: K8S,
      file: 'staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go',
      test: 'Decode: no protobuf prefix',
    },
    async () => {
      const answer = await callRaw(
        'POST',
        '/api/v1/namespaces/default/secrets',
        Buffer.from('not protobuf'),
        PROTOBUF,
      );
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain('cannot be handled as a Secret');
    },
  );

  recorded(
    'a patch in protobuf is refused with 415',
    apiErrors('NewUnsupportedMediaType (patch types are JSON only)'),
    async () => {
      const name = unique('proto-patch');
      await create({ metadata: { name } });
      const answer = await callRaw(
        'PATCH',
        `/api/v1/namespaces/default/secrets/${name}`,
        Buffer.from([0x6b, 0x38, 0x73, 0x00]),
        PROTOBUF,
      );
      expect(answer.status).toBe(415);
      expect(answer.body.reason).toBe('UnsupportedMediaType');
    },
  );
});

describe('Kubernetes conformance: lists, tables and stringData', () => {
  const namespace = 'paged';
  beforeAll(async () => {
    k8s.createNamespace(namespace);
    for (const n of ['a', 'b', 'c', 'd', 'e'])
      await create({ metadata: { name: `item-${n}` }, stringData: { k: n } }, namespace);
  });

  recorded('limit and continue walk the list in chunks', CHUNKS, async () => {
    const first = await call('GET', `/api/v1/namespaces/${namespace}/secrets?limit=2`);
    expect(first.body.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual([
      'item-a',
      'item-b',
    ]);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    const token = encodeURIComponent(first.body.metadata.continue);
    const second = await call('GET', `/api/v1/namespaces/${namespace}/secrets?limit=3&continue=${token}`);
    expect(second.body.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual([
      'item-c',
      'item-d',
      'item-e',
    ]);
    expect(second.body.metadata.continue).toBeUndefined();
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  });

  recorded('as=Table answers the Secret columns: Name, Type, Data, Age', PRINTER, async () => {
    clock += 90_000;
    const table = await call('GET', `/api/v1/namespaces/${namespace}/secrets?limit=1`, undefined, {
      accept:
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    });
    expect(table.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Type',
      'Data',
      'Age',
    ]);
    expect(table.body.rows[0].cells).toEqual(['item-a', 'Opaque', 1, '90s']);
    expect(table.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'item-a' },
    });
    expect(JSON.stringify(table.body)).not.toContain(b64('a'));
  });

  recorded('as=Table on one Secret answers one row', PRINTER, async () => {
    const table = await call('GET', `/api/v1/namespaces/${namespace}/secrets/item-b`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    expect(table.body.kind).toBe('Table');
    expect(table.body.rows).toHaveLength(1);
    expect(table.body.rows[0].cells.slice(0, 3)).toEqual(['item-b', 'Opaque', 1]);
  });

  recorded('stringData is merged into data and never read back', TYPES, async () => {
    const name = unique('string-data');
    const created = await create({
      metadata: { name },
      data: { a: b64('1') },
      stringData: { a: 'over', b: 'two' },
    });
    expect(created.body.data).toEqual({ a: b64('over'), b: b64('two') });
    expect(created.body).not.toHaveProperty('stringData');
    expect((await call('GET', `/api/v1/namespaces/default/secrets/${name}`)).body).not.toHaveProperty(
      'stringData',
    );
  });
});

describe('Kubernetes conformance: version and OpenAPI discovery', () => {
  const VERSION: Source = {
    repo: K8S,
    file: 'staging/src/k8s.io/apimachinery/pkg/version/types.go',
    test: 'Info',
  };
  const OPENAPI_V3: Source = {
    repo: 'kubernetes/kube-openapi',
    file: 'pkg/handler3/handler.go',
    test: 'OpenAPIV3Discovery / serverRelativeURL',
  };

  recorded('/version/ answers as /version does', VERSION, async () => {
    const plain = await call('GET', '/version');
    const slash = await call('GET', '/version/');
    expect(slash.status).toBe(200);
    expect(slash.body).toEqual(plain.body);
    expect(Object.keys(plain.body).sort()).toEqual([
      'buildDate',
      'compiler',
      'gitCommit',
      'gitTreeState',
      'gitVersion',
      'goVersion',
      'major',
      'minor',
      'platform',
    ]);
  });

  recorded('/openapi/v3 points at the api/v1 document, which describes Secret', OPENAPI_V3, async () => {
    const discovery = await call('GET', '/openapi/v3');
    const url = discovery.body.paths['api/v1'].serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
    const document = await call('GET', url);
    expect(
      document.body.components.schemas['io.k8s.api.core.v1.Secret']['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: '', kind: 'Secret', version: 'v1' }]);
  });

  recorded(
    '/openapi/v2 in JSON describes Secret',
    { repo: 'kubernetes/kube-openapi', file: 'pkg/handler/handler.go', test: 'OpenAPIService /openapi/v2' },
    async () => {
      const document = await call('GET', '/openapi/v2', undefined, { accept: 'application/json' });
      expect(document.body.swagger).toBe('2.0');
      expect(
        document.body.definitions['io.k8s.api.core.v1.Secret'].properties.data.additionalProperties,
      ).toEqual({ type: 'string', format: 'byte' });
    },
  );
});
