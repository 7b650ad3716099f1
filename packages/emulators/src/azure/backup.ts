import { createHmac, timingSafeEqual } from 'node:crypto';
import type { StoredSecret, StoredVersion } from './state.js';

const MAC_BYTES = 32;

/**
 * The backup blob: base64url of a MAC and the secret's versions, so that it survives the SDKs'
 * base64url round trip (they decode the blob to bytes and encode it again on restore) and a
 * tampered or foreign blob is refused.
 */
export function sealBackup(secret: StoredSecret, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify({ name: secret.name, versions: secret.versions }));
  const mac = createHmac('sha256', key).update(payload).digest();
  return Buffer.concat([mac, payload]).toString('base64url');
}

export function openBackup(
  blob: string,
  key: Buffer,
): { name: string; versions: StoredVersion[] } | undefined {
  // The service takes base64url; padding or the standard alphabet are tolerated as the SDKs may send them.
  const bytes = Buffer.from(blob.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (bytes.length <= MAC_BYTES) return undefined;
  const mac = bytes.subarray(0, MAC_BYTES);
  const payload = bytes.subarray(MAC_BYTES);
  if (!timingSafeEqual(createHmac('sha256', key).update(payload).digest(), mac)) return undefined;
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { name: string; versions: StoredVersion[] };
    return typeof parsed.name === 'string' && Array.isArray(parsed.versions) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
