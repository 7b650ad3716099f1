import { createHash, createHmac } from 'node:crypto';

// A minimal SigV4 signer written from the AWS specification, so that wire tests do not depend on
// the SDK (the provider's tests cover the real SDK against the emulator).
export interface SignOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  date?: Date;
  service?: string;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Headers of a signed `POST /` JSON 1.1 request for `secretsmanager.<target>`. */
export function sign(host: string, target: string, body: string, o: SignOptions): Record<string, string> {
  const amzDate = (o.date ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const service = o.service ?? 'secretsmanager';
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': `secretsmanager.${target}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${day}/${o.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secretAccessKey}`, day), o.region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
