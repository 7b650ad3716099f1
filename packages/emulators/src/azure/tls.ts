import { generate } from 'selfsigned';

export interface EmulatorCertificate {
  /** PEM certificate; being self-signed, it is also the CA a client must trust. */
  cert: string;
  key: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1, ::1 and localhost. EC P-256 keeps start-up fast;
 * the CA flag lets clients put it in their trusted `ca` list as is.
 */
export async function createCertificate(hostnames: string[] = []): Promise<EmulatorCertificate> {
  const dnsNames = [...new Set(['localhost', ...hostnames.filter((h) => !/^[\d.:]+$/.test(h))])];
  const ips = [...new Set(['127.0.0.1', '::1', ...hostnames.filter((h) => /^[\d.:]+$/.test(h))])];
  const pems = await generate([{ name: 'commonName', value: 'hush Azure Key Vault emulator' }], {
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
