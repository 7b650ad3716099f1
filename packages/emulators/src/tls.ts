import { generate } from 'selfsigned';

export interface EmulatorCertificate {
  /** PEM certificate; being self-signed, it is also the CA a client must trust. */
  cert: string;
  key: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1, ::1, localhost and the hosts given (wildcard
 * listen addresses are ignored). EC P-256 keeps start-up fast;
 * the CA flag lets clients put it in their trusted `ca` list as is.
 */
export async function createCertificate(
  commonName: string,
  hostnames: string[] = [],
): Promise<EmulatorCertificate> {
  const named = hostnames.filter((h) => h !== '0.0.0.0' && h !== '::');
  const dnsNames = [...new Set(['localhost', ...named.filter((h) => !/^[\d.:]+$/.test(h))])];
  const ips = [...new Set(['127.0.0.1', '::1', ...named.filter((h) => /^[\d.:]+$/.test(h))])];
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dnsNames.map((value) => ({ type: 2 as const, value })),
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
