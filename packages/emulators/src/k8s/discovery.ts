import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http.js';

const VERSION = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-hush-emulator',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-23T00:00:00Z',
  goVersion: 'go1.24.2',
  compiler: 'gc',
  platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const SECRET = 'io.k8s.api.core.v1.Secret';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

/** The schemas of what the emulator serves: Secret and the ObjectMeta it carries. */
function schemas(ref: (name: string) => string): Record<string, unknown> {
  return {
    [OBJECT_META]: {
      type: 'object',
      properties: {
        annotations: stringMap,
        creationTimestamp: { type: 'string', format: 'date-time' },
        generateName: { type: 'string' },
        generation: { type: 'integer', format: 'int64' },
        labels: stringMap,
        name: { type: 'string' },
        namespace: { type: 'string' },
        resourceVersion: { type: 'string' },
        uid: { type: 'string' },
      },
    },
    [SECRET]: {
      description: 'Secret holds secret data of a certain type.',
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
        immutable: { type: 'boolean' },
        kind: { type: 'string' },
        metadata: { $ref: ref(OBJECT_META) },
        stringData: stringMap,
        type: { type: 'string' },
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Secret', version: 'v1' }],
    },
  };
}

// Clients ask with the `@v1.0` spelling; the server answers with `.v1.0`, which parses as a media type.
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** A protobuf OpenAPI v2 Document with `swagger` and `info` only: what kubectl 1.20 asks for. */
function openApiV2Protobuf(): Buffer {
  const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
  const info = Buffer.concat([
    field(0x0a, Buffer.from('Kubernetes')),
    field(0x12, Buffer.from(VERSION.gitVersion)),
  ]);
  return Buffer.concat([field(0x0a, Buffer.from('2.0')), field(0x12, info)]);
}

function openApiV2(req: IncomingMessage, res: ServerResponse): void {
  // A client that does not say it takes JSON gets protobuf, the API server's preferred encoding here.
  if (String(req.headers.accept ?? '').includes('protobuf')) {
    const body = openApiV2Protobuf();
    res.writeHead(200, { 'content-type': OPENAPI_V2_PROTOBUF, 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  send(res, 200, {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: VERSION.gitVersion },
    paths: {},
    definitions: schemas((name) => `#/definitions/${name}`),
  });
}

const GVK = { group: '', kind: 'Secret', version: 'v1' };
const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
};
const operation = (action: string) => ({
  'x-kubernetes-action': action,
  'x-kubernetes-group-version-kind': GVK,
  parameters: action === 'get' || action === 'delete' ? [] : [FIELD_VALIDATION],
  responses: { '200': { description: 'OK' } },
});

/** The Secret paths, whose writes declare fieldValidation: kubectl then validates on the server. */
const SECRET_PATHS = {
  '/api/v1/namespaces/{namespace}/secrets': { post: operation('post') },
  '/api/v1/namespaces/{namespace}/secrets/{name}': {
    get: operation('get'),
    put: operation('put'),
    patch: operation('patch'),
    delete: operation('delete'),
  },
};

const openApiV3Document = () => ({
  openapi: '3.0.0',
  info: { title: 'Kubernetes', version: VERSION.gitVersion },
  paths: SECRET_PATHS,
  components: { schemas: schemas((name) => `#/components/schemas/${name}`) },
});
const V3_HASH = createHash('sha512').update(JSON.stringify(openApiV3Document())).digest('hex').toUpperCase();

const API_RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'secrets',
      singularName: 'secret',
      namespaced: true,
      kind: 'Secret',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
    },
  ],
};

/** Answers the discovery, version, health and OpenAPI paths; false when the path is none of them. */
export function serveDiscovery(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if ((req.method ?? 'GET') !== 'GET') return false;
  if (['/healthz', '/livez', '/readyz'].includes(path)) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('ok');
  } else if (path === '/version' || path === '/version/') send(res, 200, VERSION);
  else if (path === '/api')
    send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  else if (path === '/apis') send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  else if (path === '/api/v1') send(res, 200, API_RESOURCES);
  else if (path === '/openapi/v2') openApiV2(req, res);
  else if (path === '/openapi/v3')
    send(res, 200, { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${V3_HASH}` } } });
  else if (path === '/openapi/v3/api/v1') send(res, 200, openApiV3Document(), { etag: `"${V3_HASH}"` });
  else return false;
  return true;
}
