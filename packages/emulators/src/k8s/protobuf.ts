import { statuses } from './status.js';

/**
 * Reads a Secret sent as `application/vnd.kubernetes.protobuf` (kubectl 1.32 and later create
 * Secrets so): the `k8s\0` magic, a runtime.Unknown envelope, and the core/v1 Secret message of
 * the API's generated.proto. Only the fields a Secret write carries are read; the result is the
 * JSON object the rest of the emulator takes, with `data` in base64.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  at = 0;
  constructor(readonly bytes: Buffer) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.bytes.length) throw new Error('truncated varint');
      const byte = this.bytes[this.at++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }

  /** The next field: its number and, for length-delimited fields, its bytes. */
  field(): { number: number; bytes?: Buffer; value?: number } {
    const key = this.varint();
    const number = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        return { number, value: this.varint() };
      case 2: {
        const length = this.varint();
        if (this.at + length > this.bytes.length) throw new Error('truncated field');
        const bytes = this.bytes.subarray(this.at, this.at + length);
        this.at += length;
        return { number, bytes };
      }
      case 1:
        this.at += 8;
        return { number };
      case 5:
        this.at += 4;
        return { number };
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
}

function fields(
  bytes: Buffer,
  visit: (number: number, bytes: Buffer | undefined, value: number | undefined) => void,
) {
  const reader = new Reader(bytes);
  while (!reader.done) {
    const f = reader.field();
    visit(f.number, f.bytes, f.value);
  }
}

/** A map entry: key = 1, value = 2. */
function entry(bytes: Buffer): [string, Buffer] {
  let key = '';
  let value: Buffer = Buffer.alloc(0);
  fields(bytes, (n, b) => {
    if (n === 1 && b) key = b.toString('utf8');
    if (n === 2 && b) value = b;
  });
  return [key, value];
}

const META_STRINGS: Record<number, string> = {
  1: 'name',
  2: 'generateName',
  3: 'namespace',
  5: 'uid',
  6: 'resourceVersion',
};

function objectMeta(bytes: Buffer): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  fields(bytes, (n, b) => {
    if (!b) return;
    if (META_STRINGS[n]) meta[META_STRINGS[n]] = b.toString('utf8');
    else if (n === 11) {
      const [k, v] = entry(b);
      labels[k] = v.toString('utf8');
    } else if (n === 12) {
      const [k, v] = entry(b);
      annotations[k] = v.toString('utf8');
    }
  });
  if (Object.keys(labels).length) meta.labels = labels;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  return meta;
}

function secret(bytes: Buffer): Record<string, unknown> {
  const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'Secret' };
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  fields(bytes, (n, b, v) => {
    if (n === 1 && b) body.metadata = objectMeta(b);
    else if (n === 2 && b) {
      const [k, value] = entry(b);
      data[k] = value.toString('base64');
    } else if (n === 3 && b) body.type = b.toString('utf8');
    else if (n === 4 && b) {
      const [k, value] = entry(b);
      stringData[k] = value.toString('utf8');
    } else if (n === 5 && v !== undefined) body.immutable = v !== 0;
  });
  if (Object.keys(data).length) body.data = data;
  if (Object.keys(stringData).length) body.stringData = stringData;
  return body;
}

/** The Secret in a protobuf request body, or a 400 naming what could not be read. */
export function decodeProtobufSecret(body: Buffer): Record<string, unknown> {
  try {
    if (!body.subarray(0, 4).equals(MAGIC))
      throw new Error('provided data does not have the k8s protobuf prefix');
    let kind = '';
    let raw: Buffer | undefined;
    fields(body.subarray(4), (n, b) => {
      if (n === 1 && b)
        fields(b, (m, t) => {
          if (m === 2 && t) kind = t.toString('utf8');
        });
      if (n === 2 && b) raw = b;
    });
    if (kind !== 'Secret' || !raw) throw new Error(`the kind in the body (${kind || 'none'}) is not Secret`);
    return secret(raw);
  } catch (error) {
    throw statuses.badRequest(
      `Secret in version "v1" cannot be handled as a Secret: ${(error as Error).message}`,
    );
  }
}
