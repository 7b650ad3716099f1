import { randomBytes } from 'node:crypto';
import type { StoredSecret } from './state.js';
import { type StatusCause, StatusError, statuses } from './status.js';
import {
  configKeyErrors,
  dnsSubdomainErrors,
  isStrictBase64,
  MAX_SECRET_BYTES,
  metadataCauses,
  secretTypeCauses,
} from './validation.js';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON body that cannot be decoded as a Secret: the API server's 400 wording. */
const undecodable = (why: string) =>
  statuses.badRequest(`Secret in version "v1" cannot be handled as a Secret: ${why}`);

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value))
    throw undecodable(
      `json: cannot unmarshal into Go struct field Secret.${field} of type map[string]string`,
    );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) out[k] = '';
    else if (typeof v === 'string') out[k] = v;
    else throw undecodable(`json: cannot unmarshal into Go struct field Secret.${field} of type string`);
  }
  return out;
}

/** The Secret as the API returns it; list items omit kind and apiVersion as the server does. */
export function toWire(secret: StoredSecret, withTypeMeta = true): JsonObject {
  const m = secret.metadata;
  const metadata: JsonObject = { name: m.name };
  if (m.generateName) metadata.generateName = m.generateName;
  metadata.namespace = m.namespace;
  metadata.uid = m.uid;
  metadata.resourceVersion = m.resourceVersion;
  metadata.generation = m.generation;
  metadata.creationTimestamp = m.creationTimestamp;
  if (m.labels && Object.keys(m.labels).length) metadata.labels = { ...m.labels };
  if (m.annotations && Object.keys(m.annotations).length) metadata.annotations = { ...m.annotations };
  const wire: JsonObject = withTypeMeta ? { kind: 'Secret', apiVersion: 'v1', metadata } : { metadata };
  if (secret.immutable !== undefined) wire.immutable = secret.immutable;
  if (Object.keys(secret.data).length) wire.data = { ...secret.data };
  wire.type = secret.type;
  return wire;
}

export interface WriteContext {
  namespace: string;
  /** The name in the URL (PUT, PATCH); absent for POST. */
  urlName?: string;
  existing?: StoredSecret;
  newUid: () => string;
  /** Epoch ms, for creationTimestamp. */
  now: () => number;
}

/** Five characters from the API server's alphabet for generateName (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const generatedSuffix = () =>
  [...randomBytes(5)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');

/** Seconds-precision RFC 3339, as metav1.Time marshals. */
const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const sameMap = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

/**
 * Turns a request body into the object to store, enforcing what the API server enforces:
 * decodable fields, names, data keys, the 1 MiB limit, label syntax, `immutable`,
 * `resourceVersion` preconditions. `stringData` is merged into `data` and never kept.
 */
export function prepareWrite(body: unknown, ctx: WriteContext): StoredSecret {
  const input = decodeSecret(body, ctx);
  const causes = [...validationCauses(input), ...updateCauses(input, ctx.existing)];
  if (causes.length) throw statuses.invalid(input.name, causes);
  const existing = ctx.existing;
  if (existing) {
    // An update without resourceVersion is unconditional for Secrets (AllowUnconditionalUpdate).
    if (input.resourceVersion !== '' && input.resourceVersion !== existing.metadata.resourceVersion)
      throw statuses.conflict(input.name);
  }
  return buildStored(input, ctx);
}

/** A Secret as the request body gives it, decoded (400 for what does not decode). */
interface DecodedSecret {
  name: string;
  generateName?: string;
  resourceVersion: string;
  data: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type: string;
  immutable?: boolean;
}

function decodeSecret(body: unknown, ctx: WriteContext): DecodedSecret {
  if (!isObject(body)) throw undecodable('json: cannot unmarshal into Go value of type struct');
  if (body.kind !== undefined && body.kind !== 'Secret')
    throw statuses.badRequest(
      `the kind in the body (${String(body.kind)}) does not match the resource (Secret)`,
    );
  if (body.apiVersion !== undefined && body.apiVersion !== 'v1')
    throw statuses.badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (v1)`,
    );
  const meta = body.metadata === undefined || body.metadata === null ? {} : body.metadata;
  if (!isObject(meta)) throw undecodable('json: cannot unmarshal into Go struct field Secret.metadata');
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ctx.namespace)
    throw statuses.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : undefined;
  const name = nameOf(typeof meta.name === 'string' ? meta.name : '', generateName, ctx);
  const data = decodeData(body);
  if (body.type !== undefined && body.type !== null && typeof body.type !== 'string')
    throw undecodable('json: cannot unmarshal into Go struct field Secret.type of type v1.SecretType');
  if (body.immutable !== undefined && body.immutable !== null && typeof body.immutable !== 'boolean')
    throw undecodable('json: cannot unmarshal into Go struct field Secret.immutable of type bool');
  const immutable = (body.immutable ?? undefined) as boolean | undefined;
  return {
    name,
    ...(generateName ? { generateName } : {}),
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
    data,
    labels: stringMap(meta.labels, 'metadata.labels'),
    annotations: stringMap(meta.annotations, 'metadata.annotations'),
    type: (body.type as string | undefined) || ctx.existing?.type || 'Opaque',
    ...(immutable !== undefined ? { immutable } : {}),
  };
}

function nameOf(name: string, generateName: string | undefined, ctx: WriteContext): string {
  if (ctx.urlName !== undefined) {
    // An update must carry the name (checkName in the API server): an empty one is a mismatch too.
    if (name !== ctx.urlName)
      throw statuses.badRequest(
        `the name of the object (${name}) does not match the name on the URL (${ctx.urlName})`,
      );
    return name;
  }
  return name === '' && generateName ? generateName + generatedSuffix() : name;
}

/** `data` (strict base64, as Go decodes it) with `stringData` merged over it. */
function decodeData(body: Record<string, unknown>): Record<string, string> {
  const data = stringMap(body.data, 'data');
  for (const [k, v] of Object.entries(data))
    if (!isStrictBase64(v))
      throw undecodable(
        `illegal base64 data at input byte ${Math.max(0, v.search(/[^A-Za-z0-9+/=]/))} (key ${JSON.stringify(k)})`,
      );
  for (const [k, v] of Object.entries(stringMap(body.stringData, 'stringData')))
    data[k] = Buffer.from(v, 'utf8').toString('base64');
  return data;
}

/** ValidateSecret: the name, the data keys and size, labels and annotations, and the type's rules. */
function validationCauses(input: DecodedSecret): StatusCause[] {
  const causes: StatusCause[] = [];
  const { name, data } = input;
  if (name === '')
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else
    for (const e of dnsSubdomainErrors(name))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: ${e}`,
        field: 'metadata.name',
      });
  let totalBytes = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const e of configKeyErrors(k))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(k)}: ${e}`,
        field: `data[${k}]`,
      });
    totalBytes += Buffer.byteLength(v, 'base64');
  }
  if (totalBytes > MAX_SECRET_BYTES)
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${MAX_SECRET_BYTES} bytes`,
      field: 'data',
    });
  causes.push(...metadataCauses(input.labels, input.annotations));
  causes.push(...secretTypeCauses(input.type, data, input.annotations));
  return causes;
}

/** ValidateSecretUpdate: the type never changes, nor does anything of an immutable Secret. */
function updateCauses(input: DecodedSecret, existing: StoredSecret | undefined): StatusCause[] {
  if (!existing) return [];
  const causes: StatusCause[] = [];
  if (input.type !== existing.type)
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(input.type)}: field is immutable`,
      field: 'type',
    });
  if (existing.immutable) {
    const forbidden = 'Forbidden: field is immutable when `immutable` is set';
    if (!sameMap(existing.data, input.data))
      causes.push({ reason: 'FieldValueForbidden', message: forbidden, field: 'data' });
    if (input.immutable !== true)
      causes.push({ reason: 'FieldValueForbidden', message: forbidden, field: 'immutable' });
  }
  return causes;
}

function buildStored(input: DecodedSecret, ctx: WriteContext): StoredSecret {
  const { existing } = ctx;
  const { name, data, type, immutable, labels, annotations } = input;
  const changed =
    !existing || !sameMap(existing.data, data) || existing.type !== type || existing.immutable !== immutable;
  const generateName = existing?.metadata.generateName ?? input.generateName;
  const stored: StoredSecret = {
    metadata: {
      name,
      ...(generateName ? { generateName } : {}),
      namespace: ctx.namespace,
      uid: existing?.metadata.uid ?? ctx.newUid(),
      resourceVersion: existing?.metadata.resourceVersion ?? '',
      generation: existing ? existing.metadata.generation + (changed ? 1 : 0) : 1,
      creationTimestamp: existing?.metadata.creationTimestamp ?? timestamp(ctx.now()),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    data,
    type,
  };
  if (immutable !== undefined) stored.immutable = immutable;
  return stored;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Strategic merge patch on a Secret: every field is a map or a scalar, so it is a merge patch minus `$` directives. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  const strip = (value: unknown): unknown =>
    isObject(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([k]) => !k.startsWith('$'))
            .map(([k, v]) => [k, strip(v)]),
        )
      : value;
  return mergePatch(target, strip(patch));
}

const patchFailure = (message: string) => {
  const error = statuses.invalid('', []);
  error.body.message = message;
  delete error.body.details;
  return new StatusError(error.body);
};

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw patchFailure(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[]): { parent: JsonObject | unknown[]; last: string } {
  let node: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) throw patchFailure(`doc is missing path: /${tokens.join('/')}`);
  }
  if (!isObject(node) && !Array.isArray(node))
    throw patchFailure(`doc is missing path: /${tokens.join('/')}`);
  return { parent: node, last: tokens.at(-1)! };
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test); the client's default patch type. */
export function jsonPatch(doc: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw statuses.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let result: unknown = structuredClone(doc);
  const read = (path: string): unknown => {
    let node: unknown = result;
    for (const t of pointer(path))
      node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    return node;
  };
  const write = (path: string, value: unknown, replace: boolean) => {
    const tokens = pointer(path);
    if (tokens.length === 0) {
      result = value;
      return;
    }
    const { parent, last } = parentOf(result, tokens);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (replace) parent[index] = value;
      else parent.splice(index, 0, value);
    } else {
      if (replace && !Object.hasOwn(parent, last))
        throw patchFailure(`replace operation does not apply: doc is missing key: ${path}`);
      parent[last] = value;
    }
  };
  const remove = (path: string) => {
    const { parent, last } = parentOf(result, pointer(path));
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else {
      if (!Object.hasOwn(parent, last))
        throw patchFailure(`remove operation does not apply: doc is missing path: "${path}"`);
      delete parent[last];
    }
  };
  for (const op of operations) {
    if (!isObject(op) || typeof op.path !== 'string')
      throw patchFailure('Unexpected kind: invalid operation');
    switch (op.op) {
      case 'add':
        write(op.path, structuredClone(op.value), false);
        break;
      case 'replace':
        write(op.path, structuredClone(op.value), true);
        break;
      case 'remove':
        remove(op.path);
        break;
      case 'move':
      case 'copy': {
        const value = structuredClone(read(String(op.from)));
        if (value === undefined)
          throw patchFailure(
            `${op.op} operation does not apply: doc is missing from path: ${String(op.from)}`,
          );
        if (op.op === 'move') remove(String(op.from));
        write(op.path, value, false);
        break;
      }
      case 'test':
        if (JSON.stringify(read(op.path)) !== JSON.stringify(op.value))
          throw patchFailure(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw patchFailure(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return result;
}
