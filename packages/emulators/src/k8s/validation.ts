import type { StatusCause } from './status.js';

/** The rules of k8s.io/apimachinery/pkg/util/validation, with the messages it prints. */
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const MAX_SECRET_BYTES = 1024 * 1024;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function dnsSubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value))
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errors;
}

export function configKeyErrors(key: string): string[] {
  const errors: string[] = [];
  if (key.length > 253) errors.push('must be no more than 253 characters');
  if (!CONFIG_KEY.test(key))
    errors.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (key === '.') errors.push("must not be '.'");
  else if (key === '..') errors.push("must not be '..'");
  else if (key.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

/** Label and annotation keys: an optional DNS subdomain prefix, '/', and a name of at most 63 characters. */
export function qualifiedNameErrors(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const errors: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...dnsSubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name))
    errors.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  return errors;
}

export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value))
    errors.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return errors;
}

const quote = (s: string) => JSON.stringify(s);

export function metadataCauses(
  labels: Record<string, string>,
  annotations: Record<string, string>,
): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const e of qualifiedNameErrors(key))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quote(key)}: ${e}`,
        field: 'metadata.labels',
      });
    if (typeof value !== 'string') {
      causes.push({
        reason: 'FieldValueInvalid',
        message: 'Invalid value: label values must be strings',
        field: `metadata.labels`,
      });
      continue;
    }
    for (const e of labelValueErrors(value))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quote(value)}: ${e}`,
        field: 'metadata.labels',
      });
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const e of qualifiedNameErrors(key.toLowerCase()))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quote(key)}: ${e}`,
        field: 'metadata.annotations',
      });
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES)
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${MAX_ANNOTATIONS_BYTES} bytes`,
      field: 'metadata.annotations',
    });
  return causes;
}

/** Go's standard base64 decoding is strict: padded, standard alphabet. */
export function isStrictBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  message: 'Required value',
  field,
});

/** What Go's encoding/json says of bytes that are not a JSON object (the API server quotes it). */
function jsonObjectError(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return 'unexpected end of JSON input';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const first = text.trim()[0]!;
    return `invalid character '${first}' looking for beginning of value`;
  }
  if (parsed === null) return undefined;
  if (Array.isArray(parsed))
    return 'json: cannot unmarshal array into Go value of type map[string]interface {}';
  if (typeof parsed !== 'object')
    return `json: cannot unmarshal ${typeof parsed === 'string' ? 'string' : typeof parsed === 'boolean' ? 'bool' : 'number'} into Go value of type map[string]interface {}`;
  return undefined;
}

/**
 * The per-type rules of ValidateSecret in the API server (pkg/apis/core/validation): required keys
 * and annotations, and well-formed JSON for the Docker types. The odd `data[%s][...]` field paths
 * of basic-auth and ssh-auth are the API server's own.
 */
export function secretTypeCauses(
  type: string,
  data: Record<string, string>,
  annotations: Record<string, string>,
): StatusCause[] {
  const has = (key: string) => Object.hasOwn(data, key);
  const bytes = (key: string) => Buffer.from(data[key] ?? '', 'base64');
  const jsonKey = (key: string): StatusCause[] => {
    if (!has(key)) return [required(`data[${key}]`)];
    const error = jsonObjectError(bytes(key));
    return error
      ? [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: "<secret contents redacted>": ${error}`,
            field: `data[${key}]`,
          },
        ]
      : [];
  };
  switch (type) {
    case 'kubernetes.io/service-account-token':
      return annotations['kubernetes.io/service-account.name']
        ? []
        : [required('metadata.annotations[kubernetes.io/service-account.name]')];
    case 'kubernetes.io/dockercfg':
      return jsonKey('.dockercfg');
    case 'kubernetes.io/dockerconfigjson':
      return jsonKey('.dockerconfigjson');
    case 'kubernetes.io/basic-auth':
      return has('username') || has('password')
        ? []
        : [required('data[%s][username]'), required('data[%s][password]')];
    case 'kubernetes.io/ssh-auth':
      return bytes('ssh-privatekey').length > 0 ? [] : [required('data[%s][ssh-privatekey]')];
    case 'kubernetes.io/tls':
      return [
        ...(has('tls.crt') ? [] : [required('data[tls.crt]')]),
        ...(has('tls.key') ? [] : [required('data[tls.key]')]),
      ];
    default:
      return [];
  }
}
