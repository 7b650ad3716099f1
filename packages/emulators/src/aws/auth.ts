import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './errors.js';

/** An access key the emulator accepts, with an optional policy that narrows what it may do. */
export interface AwsEmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it as `x-amz-security-token` (temporary credentials). */
  sessionToken?: string;
  /** Operations this key may call (`GetSecretValue`, ...); all when absent. */
  allowedOperations?: string[];
  /** Secret names this key may not touch; a trailing `*` matches a prefix. */
  deniedSecrets?: string[];
}

export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SERVICE = 'secretsmanager';
const ALGORITHM = 'AWS4-HMAC-SHA256';

// The signing front end spells its messages `message`, lowercase.
const authError = (type: string, message: string, status = 400) =>
  new AwsError(type, message, status, 'message');

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it (keeps only A-Z a-z 0-9 - _ . ~). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(path: string): string {
  const segments = path.split('/').map((segment) => {
    try {
      return uriEncode(decodeURIComponent(segment));
    } catch {
      return uriEncode(segment);
    }
  });
  const joined = segments.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      return [uriEncode(key), uriEncode(value)] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ');
}

/** Parses `YYYYMMDDTHHMMSSZ`. */
function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const formatAmzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${ALGORITHM} `))
    throw authError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${header.split(' ')[0]}'`);
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const required of ['Credential', 'SignedHeaders', 'Signature'])
    if (!fields.get(required))
      throw authError(
        'IncompleteSignatureException',
        `Authorization header requires '${required}' parameter. Authorization=${ALGORITHM} ...`,
      );
  const scope = fields.get('Credential')!.split('/');
  if (scope.length !== 5)
    throw authError(
      'IncompleteSignatureException',
      "Authorization header requires a 'Credential' of the form <key>/<date>/<region>/<service>/aws4_request.",
    );
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
  };
}

/**
 * Verifies a SigV4-signed request the way AWS does: the key must exist, the request date must be
 * within `maxSkewMs` of the server's clock, and the signature recomputed from the canonical request
 * (method, path, query, the signed headers, the body's SHA-256) must match.
 * Returns the credentials the request was signed with; throws an `AwsError` otherwise.
 */
/** The credential scope and the signing time must fit the server's region, service and clock. */
function checkScope(
  auth: ParsedAuthorization,
  amzDate: string,
  requestTime: number,
  region: string,
  now: number,
  maxSkewMs: number,
): void {
  if (auth.date !== amzDate.slice(0, 8))
    throw authError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  if (auth.region !== region)
    throw authError('InvalidSignatureException', 'Credential should be scoped to a valid region.');
  if (auth.service !== SERVICE)
    throw authError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${SERVICE}'.`,
    );
  if (auth.terminator !== 'aws4_request')
    throw authError(
      'InvalidSignatureException',
      "Credential should be scoped with a valid terminator: 'aws4_request'.",
    );

  if (now - requestTime > maxSkewMs)
    throw authError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - maxSkewMs)} (${formatAmzDate(now)} - ${Math.round(maxSkewMs / 60_000)} min.)`,
    );
  if (requestTime - now > maxSkewMs)
    throw authError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + maxSkewMs)} (${formatAmzDate(now)} + ${Math.round(maxSkewMs / 60_000)} min.)`,
    );

  if (!auth.signedHeaders.includes('host'))
    throw authError(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
}

/** The hex signature the request should carry, computed as SigV4 specifies. */
function signature(
  request: SignedRequest,
  auth: ParsedAuthorization,
  amzDate: string,
  secretAccessKey: string,
): string {
  const queryAt = request.url.indexOf('?');
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    sha256(request.body),
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, auth.date), auth.region), auth.service),
    'aws4_request',
  );
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

export function verifySigV4(
  request: SignedRequest,
  keys: ReadonlyMap<string, AwsEmulatorCredentials>,
  region: string,
  now: number,
  maxSkewMs = 5 * 60_000,
): AwsEmulatorCredentials {
  const header = headerValue(request.headers, 'authorization');
  if (!header) throw authError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(header);

  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!amzDate)
    throw authError(
      'IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  const requestTime = parseAmzDate(amzDate);
  if (requestTime === undefined)
    throw authError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`,
    );

  const credentials = keys.get(auth.accessKeyId);
  if (!credentials)
    throw authError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const token = headerValue(request.headers, 'x-amz-security-token');
  if ((credentials.sessionToken ?? undefined) !== token)
    throw authError('UnrecognizedClientException', 'The security token included in the request is invalid.');

  checkScope(auth, amzDate, requestTime, region, now, maxSkewMs);
  const expected = Buffer.from(signature(request, auth, amzDate, credentials.secretAccessKey));
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw authError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  return credentials;
}

/** Whether a key's policy lets it call `operation` on the secret called `secretName`. */
export function isAllowed(
  credentials: AwsEmulatorCredentials,
  operation: string,
  secretName?: string,
): boolean {
  if (credentials.allowedOperations && !credentials.allowedOperations.includes(operation)) return false;
  if (secretName !== undefined && credentials.deniedSecrets)
    return !credentials.deniedSecrets.some((pattern) =>
      pattern.endsWith('*') ? secretName.startsWith(pattern.slice(0, -1)) : secretName === pattern,
    );
  return true;
}
