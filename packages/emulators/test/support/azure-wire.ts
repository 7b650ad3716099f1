import { request as httpsRequest } from 'node:https';
import type { AzureKeyVaultEmulator } from '../../src/index.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTPS request trusting the emulator's CA; `token: null` sends no Authorization header. */
export function call(
  emulator: AzureKeyVaultEmulator,
  method: string,
  path: string,
  options: { body?: unknown; form?: string; token?: string | null; query?: string } = {},
): Promise<Answer> {
  const query = options.query ?? 'api%2Dversion=2025-07-01';
  const url = new URL(`${path}${query ? (path.includes('?') ? '&' : '?') + query : ''}`, emulator.url);
  const payload = options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? emulator.token}`;
  if (payload !== undefined) {
    headers['content-type'] = options.form ? 'application/x-www-form-urlencoded' : 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca: emulator.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
