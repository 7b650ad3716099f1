import type { LeaseDescription, SecretLease } from '@hush/core';
import { providerOffering } from '../capable.js';
import type { Cli } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { formatTable, isoOrEmpty } from '../util.js';

interface LeaseOptions {
  provider?: string;
  prefix?: string;
  increment?: string;
}

/**
 * `hush lease list|renew|revoke`: the backend's leases of dynamic secrets, for operators. A CLI
 * run holds no lease of its own, so these talk to the provider (Vault's `sys/leases`) directly.
 */
export default async function lease(
  cli: Cli,
  [action, leaseId]: ['list' | 'renew' | 'revoke', string?],
  options: LeaseOptions,
): Promise<void> {
  if (action === 'list') return list(cli, options);
  if (action === 'revoke' && options.prefix !== undefined) {
    if (leaseId) throw new UsageError('give a lease id or --prefix, not both');
    return revokePrefix(cli, options.prefix, options);
  }
  if (!leaseId)
    throw new UsageError(
      `missing lease id: hush lease ${action} LEASE_ID${action === 'revoke' ? ' (or --prefix PREFIX)' : ''}`,
    );
  if (action === 'renew') return renew(cli, leaseId, options);
  return revoke(cli, leaseId, options);
}

async function list(cli: Cli, options: LeaseOptions): Promise<void> {
  const { provider } = await providerOffering(cli, 'listLeases', 'leases', options.provider);
  const leases = await provider.listLeases!(options.prefix !== undefined ? { prefix: options.prefix } : {});
  if (cli.options.json) {
    cli.printJson(leases);
    return;
  }
  if (leases.length === 0) {
    cli.note('no leases');
    return;
  }
  cli.print(formatTable(cli, ['LEASE ID', 'EXPIRES', 'TTL', 'RENEWABLE'], leases.map(row)));
}

const row = (lease: LeaseDescription): string[] => [
  lease.id,
  isoOrEmpty(lease.expiresAt),
  `${lease.ttlSeconds}s`,
  lease.renewable ? 'yes' : 'no',
];

async function renew(cli: Cli, leaseId: string, options: LeaseOptions): Promise<void> {
  const core = await import('@hush/core');
  const incrementSeconds =
    options.increment !== undefined ? Math.round(core.parseDuration(options.increment) / 1000) : undefined;
  if (incrementSeconds !== undefined && incrementSeconds < 1)
    throw new UsageError(`--increment '${options.increment}' is shorter than a second`);
  const { provider } = await providerOffering(cli, 'renewLease', 'leases', options.provider);
  // What a caller knows of a lease it did not read: its id. The backend answers the rest.
  const known: SecretLease = { id: leaseId, durationSeconds: 0, renewable: true, expiresAt: new Date(0) };
  const renewed = await notFoundAsExit3(leaseId, () =>
    provider.renewLease!(known, incrementSeconds !== undefined ? { incrementSeconds } : {}),
  );
  if (cli.options.json) cli.printJson(renewed);
  else
    cli.note(
      `${cli.colors.green('✓')} renewed ${renewed.id}: ${renewed.durationSeconds}s more, until ${isoOrEmpty(renewed.expiresAt)}`,
    );
}

async function revoke(cli: Cli, leaseId: string, options: LeaseOptions): Promise<void> {
  const { provider } = await providerOffering(cli, 'revokeLease', 'leases', options.provider);
  // Vault answers 204 for a lease it does not know; look first, so that a typo is not reported as done.
  if (provider.listLeases) {
    const known = await provider.listLeases({ prefix: leaseId }).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'ACCESS_DENIED') return undefined; // listing needs sudo
      throw error;
    });
    if (known && !known.some((lease) => lease.id === leaseId))
      throw new CliError(`lease '${leaseId}' not found (expired, revoked or never issued)`, EXIT.notFound);
  }
  await provider.revokeLease!(leaseId);
  if (cli.options.json) cli.printJson({ revoked: leaseId });
  else cli.note(`${cli.colors.green('✓')} revoked ${leaseId}`);
}

/**
 * Every lease under a path prefix (Vault's `revoke-prefix`). The leases are listed before and
 * after when the token may list them, so that the command says which it ended, exits 3 when
 * there were none, and never reports done while one is still live.
 */
async function revokePrefix(cli: Cli, prefix: string, options: LeaseOptions): Promise<void> {
  if (prefix.replace(/^\/+/, '') === '')
    throw new UsageError('--prefix cannot be empty: name the mount or role (database/creds/app)');
  const { provider } = await providerOffering(cli, 'revokeLeasePrefix', 'leases', options.provider);
  const under = async (): Promise<string[] | undefined> => {
    if (!provider.listLeases) return undefined;
    const leases = await provider
      .listLeases({ prefix: prefix.replace(/^\/+/, '') })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === 'ACCESS_DENIED') return undefined; // listing needs sudo
        throw error;
      });
    return leases?.map((lease) => lease.id).filter((id) => underPrefix(id, prefix));
  };
  const before = await under();
  if (before && before.length === 0)
    throw new CliError(`no lease under '${prefix}' (nothing revoked)`, EXIT.notFound);
  await provider.revokeLeasePrefix!(prefix);
  const left = before ? await under() : undefined;
  if (left && left.length > 0)
    throw new CliError(
      `${left.length} lease${left.length > 1 ? 's' : ''} under '${prefix}' still live after the revocation: ${left.join(', ')}`,
    );
  if (cli.options.json) cli.printJson({ prefix, revoked: before ?? null });
  else if (before)
    cli.note(
      `${cli.colors.green('✓')} revoked ${before.length} lease${before.length > 1 ? 's' : ''} under ${prefix}`,
    );
  else cli.note(`${cli.colors.green('✓')} revoked the leases under ${prefix} (listing them needs sudo)`);
}

/** Vault reads a prefix as a path: the exact lease id, or an id under `prefix/`. */
function underPrefix(leaseId: string, prefix: string): boolean {
  const path = prefix.replace(/^\/+/, '');
  if (!path.endsWith('/') && leaseId === path) return true;
  return leaseId.startsWith(path.endsWith('/') ? path : `${path}/`);
}

/** A lease the backend does not know is "not found" (exit 3), not a usage error. */
async function notFoundAsExit3<T>(leaseId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : '';
    if (code === 'VALIDATION_ERROR' && /lease not found|invalid lease/.test(message))
      throw new CliError(`lease '${leaseId}' not found (expired, revoked or never issued)`, EXIT.notFound);
    throw error;
  }
}
