import type { Cli } from '../context.js';
import { formatTable, isoOrEmpty } from '../util.js';
import { persistentCacheOf } from './cache-clear.js';

/** The persistent cache's entries: names, versions, providers and ages; never values. */
export default async function cacheStatus(cli: Cli): Promise<void> {
  const cache = await persistentCacheOf(cli);
  const status = await cache.status();
  if (cli.options.json) {
    cli.printJson(status);
    return;
  }
  if (status.path) cli.note(`persistent cache: ${status.path} (maximum age ${formatAge(status.maxAgeMs)})`);
  if (status.entries.length === 0) cli.note('no entries');
  else
    cli.print(
      formatTable(
        cli,
        ['NAME', 'VERSION', 'PROVIDER', 'FETCHED', 'AGE', 'STATE'],
        status.entries.map((entry) => [
          entry.name + (entry.pinnedVersion !== undefined ? ` (version ${entry.pinnedVersion})` : ''),
          entry.version,
          entry.provider ?? entry.pin ?? '',
          isoOrEmpty(entry.fetchedAt),
          formatAge(entry.ageMs),
          !entry.valid
            ? cli.colors.red('tampered')
            : entry.expired
              ? cli.colors.yellow('too old')
              : cli.colors.green('usable'),
        ]),
      ),
    );
  if (status.tampered > 0)
    cli.warn(
      `${status.tampered} entr${status.tampered === 1 ? 'y' : 'ies'} did not open and will never be served`,
    );
}

/** `1d 2h`, `5m 3s`, `42s`: the two largest units. */
export function formatAge(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(ms));
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length === 0 && unit === 's')) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
