import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Cli } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { Fingerprinter, type SideDescription, sidesFromOptions } from '../sides.js';
import { formatTable, parseKeyValues } from '../util.js';

interface DiffOptions {
  from?: string;
  to?: string;
  env?: string | string[];
  pattern?: string;
  ignore?: string[];
  map?: string;
  rename?: string[];
}

type Status = 'same' | 'differs' | 'missing';

export interface DiffEntry {
  name: string;
  status: Status;
  /** The name on the `to` side when a mapping renames it. */
  toName?: string;
  /** The side that lacks the secret, for `missing`. */
  missingFrom?: 'from' | 'to';
  /** Keyed fingerprints of this run (never comparable with another run's). */
  fingerprints?: { from?: string; to?: string };
}

/**
 * Compares two sides name by name without printing or sending any value: each value is reduced
 * to an HMAC-SHA256 under a random key of this run as soon as it is read.
 * Exit 0 when the sides agree, 1 when they differ, 5 when a side is unreachable.
 */
export default async function diff(cli: Cli, _args: unknown[], options: DiffOptions): Promise<void> {
  const core = await import('@hush/core');
  if (options.pattern) core.globToRegExp(options.pattern);
  const renames = {
    ...(await readMapFile(cli, options.map)),
    ...(parseKeyValues(options.rename, '--rename') ?? {}),
  };
  const ignored = (options.ignore ?? []).map((item) => core.globToRegExp(item));
  const isIgnored = (name: string) => ignored.some((re) => re.test(name));
  const [from, to] = sidesFromOptions(cli, options);
  try {
    const descriptions = [await from.open(), await to.open()] as const;
    const [fromNames, toNames] = [await from.names(), await to.names()];
    const inPattern = (name: string) => !options.pattern || core.matchesGlob(name, options.pattern);
    const mapped = (name: string) => renames[name] ?? name;
    const renamedTargets = new Set(Object.values(renames));
    const pairs = new Map<string, string>();
    for (const name of fromNames)
      if (inPattern(name) && !isIgnored(name) && !isIgnored(mapped(name))) pairs.set(name, mapped(name));
    const paired = new Set(pairs.values());
    const onlyTo = toNames.filter(
      (name) => !paired.has(name) && !isIgnored(name) && !renamedTargets.has(name) && inPattern(name),
    );
    const fingerprinter = new Fingerprinter();
    const fromPrints = await from.fingerprints([...pairs.keys()], fingerprinter);
    const toPrints = await to.fingerprints([...pairs.values()], fingerprinter);
    const entries: DiffEntry[] = [];
    for (const [name, toName] of pairs) {
      const a = fromPrints.get(name);
      const b = toPrints.get(toName);
      const base = { name, ...(toName !== name ? { toName } : {}) };
      // A name listed but gone by the time it was read is missing on that side.
      if (a === undefined && b === undefined) continue;
      if (a === undefined || b === undefined)
        entries.push({
          ...base,
          status: 'missing',
          missingFrom: a === undefined ? 'from' : 'to',
          fingerprints: a === undefined ? { to: b! } : { from: a },
        });
      else entries.push({ ...base, status: a === b ? 'same' : 'differs', fingerprints: { from: a, to: b } });
    }
    for (const name of onlyTo) entries.push({ name, status: 'missing', missingFrom: 'from' });
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const summary = {
      same: entries.filter((e) => e.status === 'same').length,
      differs: entries.filter((e) => e.status === 'differs').length,
      missing: entries.filter((e) => e.status === 'missing').length,
      total: entries.length,
    };
    const agree = summary.differs === 0 && summary.missing === 0;
    if (cli.options.json)
      cli.printJson({ from: descriptions[0], to: descriptions[1], agree, summary, secrets: entries });
    else printText(cli, descriptions, from.label, to.label, entries, summary);
    if (!agree) process.exitCode = EXIT.failure;
  } finally {
    await from.dispose();
    await to.dispose();
  }
}

function printText(
  cli: Cli,
  [fromDesc, toDesc]: readonly [SideDescription, SideDescription],
  fromLabel: string,
  toLabel: string,
  entries: DiffEntry[],
  summary: { same: number; differs: number; missing: number; total: number },
): void {
  const env = fromDesc.environment === toDesc.environment ? ` (environment '${fromDesc.environment}')` : '';
  cli.print(`${cli.colors.bold('from')} ${fromLabel}  ${cli.colors.bold('to')} ${toLabel}${env}`);
  const paint = (status: Status) =>
    status === 'same'
      ? cli.colors.green(status)
      : status === 'differs'
        ? cli.colors.red(status)
        : cli.colors.yellow(status);
  if (entries.length)
    cli.print(
      formatTable(
        cli,
        ['STATUS', 'NAME', 'DETAIL'],
        entries.map((e) => [
          paint(e.status),
          e.toName ? `${e.name} -> ${e.toName}` : e.name,
          e.status === 'missing' ? `not in ${e.missingFrom === 'from' ? fromLabel : toLabel}` : '',
        ]),
      ),
    );
  cli.print(
    `${summary.total} name${summary.total === 1 ? '' : 's'}: ${summary.same} same, ${summary.differs} differ, ${summary.missing} missing`,
  );
}

/** `--map FILE`: a YAML or JSON map of `name-on-from: name-on-to`. */
async function readMapFile(cli: Cli, file: string | undefined): Promise<Record<string, string>> {
  if (!file) return {};
  const path = resolve(cli.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--map: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : (await import('../yaml.js')).parse(text);
  } catch {
    throw new UsageError(`--map: ${file} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`--map: ${file} must be a map of name-on-from: name-on-to`);
  for (const [key, value] of Object.entries(raw))
    if (typeof value !== 'string' || value === '')
      throw new CliError(`--map: the entry '${key}' in ${file} must map to a secret name`, EXIT.usage);
  return raw as Record<string, string>;
}
