import type { SecretInfo } from '@hush/core';
import type { Cli } from '../context.js';
import { EXIT, exitCodeFor, UsageError } from '../errors.js';
import { parseSchema, rulesFor } from '../schema.js';
import { SideUnavailableError } from '../sides.js';
import { formatTable, isoOrEmpty } from '../util.js';

interface ReportOptions {
  expiring?: string;
  notRotated?: string;
  rotationDue?: boolean;
  failedAccess?: string;
  threshold: string;
  strict?: boolean;
  at?: string;
}

const DAY = 86_400_000;
const READS = new Set(['get', 'getMany', 'getVersion', 'listVersions', 'resolve']);
const days = (ms: number): number => Math.round((ms / DAY) * 10) / 10;

type Windows = { expiring?: string; notRotated?: string; rotationDue: boolean; failedAccess?: string };

/** The queries asked for; with none named, each one with its default window. */
function windowsOf(options: ReportOptions): Windows {
  const chosen = [options.expiring, options.notRotated, options.rotationDue, options.failedAccess].some(
    (o) => o !== undefined,
  );
  const pick = (value: string | undefined, fallback: string) => value ?? (chosen ? undefined : fallback);
  const expiring = pick(options.expiring, '30d');
  const notRotated = pick(options.notRotated, '90d');
  const failedAccess = pick(options.failedAccess, '24h');
  return {
    ...(expiring !== undefined ? { expiring } : {}),
    ...(notRotated !== undefined ? { notRotated } : {}),
    rotationDue: options.rotationDue ?? !chosen,
    ...(failedAccess !== undefined ? { failedAccess } : {}),
  };
}

function expiringWithin(secrets: SecretInfo[], window: string, ms: number, now: number) {
  return {
    window,
    secrets: secrets
      .filter((s) => s.expiresAt && s.expiresAt.getTime() <= now + ms)
      .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime())
      .map((s) => ({
        name: s.key,
        provider: s.provider,
        expiresAt: isoOrEmpty(s.expiresAt),
        days: days(s.expiresAt!.getTime() - now),
        expired: s.expiresAt!.getTime() <= now,
      })),
  };
}

function notRotatedWithin(secrets: SecretInfo[], window: string, ms: number, now: number) {
  return {
    window,
    secrets: secrets
      .filter((s) => s.updatedAt.getTime() < now - ms)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
      .map((s) => ({
        name: s.key,
        provider: s.provider,
        updatedAt: isoOrEmpty(s.updatedAt),
        days: days(now - s.updatedAt.getTime()),
      })),
  };
}

type Report = {
  expiring: ReturnType<typeof expiringWithin> | null;
  notRotated: ReturnType<typeof notRotatedWithin> | null;
  rotationDue: Awaited<ReturnType<typeof dueForRotation>> | null;
  failedAccess: Awaited<ReturnType<typeof failedReads>> | null;
};

/**
 * The monitoring queries of a compliance review, over the environment's providers (and the audit
 * log when it is on): secrets expiring within a window, not rotated within one, past their
 * declared rotation period, and accessors with repeated failed reads. `--strict` exits 1 when
 * anything is due.
 */
export default async function report(cli: Cli, _args: unknown[], options: ReportOptions): Promise<void> {
  const core = await import('@hush/core');
  const threshold = Number(options.threshold);
  if (!Number.isInteger(threshold) || threshold < 0)
    throw new UsageError(`--threshold expects a whole number, got '${options.threshold}'`);
  const at = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at expects an ISO date, got '${options.at}'`);
  const windows = windowsOf(options);
  const ms = (window: string | undefined) => (window === undefined ? undefined : core.parseDuration(window));
  const expiringMs = ms(windows.expiring);
  const notRotatedMs = ms(windows.notRotated);
  const failedAccessMs = ms(windows.failedAccess);
  const settings = await cli.settings();
  const secrets = await listAll(cli);
  const now = at.getTime();

  const found: Report = {
    expiring: expiringMs === undefined ? null : expiringWithin(secrets, windows.expiring!, expiringMs, now),
    notRotated:
      notRotatedMs === undefined ? null : notRotatedWithin(secrets, windows.notRotated!, notRotatedMs, now),
    rotationDue: windows.rotationDue ? await dueForRotation(cli, secrets, now) : null,
    failedAccess:
      failedAccessMs === undefined
        ? null
        : await failedReads(cli, windows.failedAccess!, failedAccessMs, now, threshold),
  };
  const due =
    (found.expiring?.secrets.length ?? 0) +
    (found.notRotated?.secrets.length ?? 0) +
    (found.rotationDue?.secrets.length ?? 0) +
    (found.failedAccess?.accessors.length ?? 0);

  if (cli.options.json)
    cli.printJson({ environment: settings.environmentName, at: at.toISOString(), due, ...found });
  else printReport(cli, found, due);
  if (options.strict && due > 0) process.exitCode = EXIT.failure;
}

function printReport(
  cli: Cli,
  { expiring, notRotated, rotationDue, failedAccess }: Report,
  due: number,
): void {
  const section = (title: string, header: string[], rows: string[][]) => {
    cli.print(cli.colors.bold(`${title}: ${rows.length === 0 ? 'none' : rows.length}`));
    if (rows.length) cli.print(formatTable(cli, header, rows));
    cli.print();
  };
  if (expiring)
    section(
      `Expiring within ${expiring.window}`,
      ['SECRET', 'PROVIDER', 'EXPIRES', 'DAYS'],
      expiring.secrets.map((s) => [s.name, s.provider, s.expiresAt, s.expired ? 'expired' : String(s.days)]),
    );
  if (notRotated)
    section(
      `Not rotated within ${notRotated.window}`,
      ['SECRET', 'PROVIDER', 'UPDATED', 'DAYS AGO'],
      notRotated.secrets.map((s) => [s.name, s.provider, s.updatedAt, String(s.days)]),
    );
  if (rotationDue)
    section(
      'Past their rotation period',
      ['SECRET', 'PROVIDER', 'EVERY', 'UPDATED', 'FROM'],
      rotationDue.secrets.map((s) => [s.name, s.provider, s.rotation, s.updatedAt, s.declaredIn]),
    );
  if (failedAccess) {
    if (!failedAccess.auditEnabled)
      cli.print(`Failed reads within ${failedAccess.window}: not known (the audit log is off)\n`);
    else
      section(
        `Accessors with more than ${failedAccess.threshold} failed reads within ${failedAccess.window}`,
        ['ACCESSOR', 'FAILURES', 'LAST', 'SECRETS'],
        failedAccess.accessors.map((a) => [
          a.accessor,
          String(a.failures),
          a.lastFailureAt,
          a.secrets.join(', '),
        ]),
      );
  }
  cli.print(due ? `${due} item${due === 1 ? '' : 's'} due` : 'nothing is due');
}

/** Every secret of the environment with its metadata (expired ones too); a provider down is exit 5. */
async function listAll(cli: Cli): Promise<SecretInfo[]> {
  const manager = await cli.manager();
  const byName = new Map<string, SecretInfo>();
  for (const provider of manager.providerNames) {
    if (!manager.getProvider(provider)?.capabilities.list) continue;
    try {
      for (const info of await manager.listSecrets({
        provider,
        includeExpired: true,
        accessor: cli.accessor,
      }))
        if (!byName.has(info.key)) byName.set(info.key, info);
    } catch (error) {
      if (exitCodeFor(error) === EXIT.unavailable)
        throw new SideUnavailableError(`provider '${provider}'`, error, (t) => cli.mask(t));
      throw error;
    }
  }
  return [...byName.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Rotation periods from the schema (`rotation: 90d`) or else a `rotation` tag, as `rotate --due` reads them. */
async function dueForRotation(cli: Cli, secrets: SecretInfo[], now: number) {
  const core = await import('@hush/core');
  const settings = await cli.settings();
  const declared = new Map<string, string>();
  if (settings.config.schema !== undefined)
    for (const rules of rulesFor(await parseSchema(settings.config), settings.environmentName))
      if (rules.rotation) declared.set(rules.name, rules.rotation);
  const out: Array<{
    name: string;
    provider: string;
    rotation: string;
    declaredIn: 'schema' | 'tag';
    updatedAt: string;
    dueSince: string;
  }> = [];
  for (const info of secrets) {
    const fromSchema = declared.get(info.key);
    const period = fromSchema ?? info.tags.rotation;
    if (!period) continue;
    let length: number;
    try {
      length = core.parseDuration(period);
    } catch {
      cli.warn(`${info.key}: rotation tag '${period}' is not a duration (e.g. 30d); skipped`);
      continue;
    }
    const dueAt = info.updatedAt.getTime() + length;
    if (dueAt <= now)
      out.push({
        name: info.key,
        provider: info.provider,
        rotation: period,
        declaredIn: fromSchema ? 'schema' : 'tag',
        updatedAt: isoOrEmpty(info.updatedAt),
        dueSince: isoOrEmpty(new Date(dueAt)),
      });
  }
  return { secrets: out };
}

/** Accessors with more than `threshold` failed reads in the window before `now`, from the audit log. */
async function failedReads(cli: Cli, window: string, length: number, now: number, threshold: number) {
  const settings = await cli.settings();
  const base = { window, threshold, auditEnabled: settings.audit?.enabled === true };
  if (!base.auditEnabled) return { ...base, accessors: [] };
  const log = await cli.auditLog();
  let entries = await log.failures({ since: new Date(now - length), until: new Date(now), limit: 1_000_000 });
  if (settings.accessControl)
    entries = await (await cli.accessControl()).filterAuditEntries(entries, cli.accessor);
  const byAccessor = new Map<string, { failures: number; last: Date; secrets: Set<string> }>();
  for (const entry of entries) {
    if (!READS.has(entry.operation)) continue;
    const key = entry.accessor ?? '(unknown)';
    const row = byAccessor.get(key) ?? { failures: 0, last: entry.timestamp, secrets: new Set<string>() };
    row.failures++;
    if (entry.timestamp > row.last) row.last = entry.timestamp;
    if (entry.secretName) row.secrets.add(entry.secretName);
    byAccessor.set(key, row);
  }
  const accessors = [...byAccessor]
    .filter(([, row]) => row.failures > threshold)
    .sort((a, b) => b[1].failures - a[1].failures)
    .map(([accessor, row]) => ({
      accessor,
      failures: row.failures,
      lastFailureAt: isoOrEmpty(row.last),
      secrets: [...row.secrets].sort(),
    }));
  return { ...base, accessors };
}
