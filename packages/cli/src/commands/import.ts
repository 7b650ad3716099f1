import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { Cli } from '../context.js';
import { parseDotenv } from '../dotenv.js';
import { CliError, UsageError } from '../errors.js';
import { noteCreatedKeyFiles } from '../local.js';
import { parseErrorLocation, progressBar, spinner, toSecretName } from '../util.js';

interface ImportOptions {
  provider?: string;
  prefix?: string;
  dryRun?: boolean;
  allowEmpty?: boolean;
}

/** Deepest nesting of maps read from a JSON or YAML file (each level is a path segment). */
export const MAX_IMPORT_DEPTH = 32;

/**
 * Reads .env / JSON / YAML into secrets. JSON and YAML keys are secret names as they are (what
 * `export --format json|yaml` writes), nested maps become paths (`database: {url}` →
 * `database/url`); .env variable names are folded (`DB_URL` → `db-url`). Two entries that give one
 * name are refused, naming both. A local target without audit or access control takes everything
 * in one atomic write; otherwise secrets are written one by one.
 */
export default async function importSecrets(
  cli: Cli,
  [file]: [string],
  options: ImportOptions,
): Promise<void> {
  const path = resolve(cli.cwd, file);
  const { entries, fold } = await readEntries(path, file);
  if (entries.length === 0) {
    cli.note(`nothing to import in ${file}`);
    return;
  }
  const { secrets, empty } = await namedSecrets(entries, fold, file, options);
  const skipped =
    empty.length > 0
      ? `skipped ${empty.length} empty value${empty.length === 1 ? '' : 's'} (${empty.join(', ')}): pass --allow-empty to store them`
      : undefined;
  if (secrets.size === 0) {
    cli.note(`nothing to import in ${file}${skipped ? `; ${skipped}` : ''}`);
    return;
  }
  const target = await cli.writeProviderName(options.provider);
  const manager = await cli.manager();
  const existing = new Set(
    (await manager.listSecrets({ provider: target, includeExpired: true, accessor: cli.accessor })).map(
      (s) => s.key,
    ),
  );

  if (options.dryRun) {
    const plan = [...secrets.keys()].map((name) => ({
      name,
      action: existing.has(name) ? 'update' : 'create',
    }));
    if (cli.options.json)
      cli.printJson({ dryRun: true, provider: target, secrets: plan, skippedEmpty: empty.length });
    else {
      if (skipped) cli.note(skipped);
      for (const { name, action } of plan) cli.print(`${action === 'create' ? '+' : '~'} ${name}`);
      cli.note(
        `dry run: ${plan.length} secret${plan.length === 1 ? '' : 's'} would be written to ${target}; nothing changed`,
      );
    }
    return;
  }

  const bulk = await writeAll(cli, target, secrets);
  noteCreatedKeyFiles(cli, manager);
  const created = [...secrets.keys()].filter((n) => !existing.has(n)).length;
  const summary = {
    provider: target,
    imported: secrets.size,
    created,
    updated: secrets.size - created,
    skippedEmpty: empty.length,
    bulk,
  };
  if (cli.options.json) cli.printJson(summary);
  else {
    if (skipped) cli.note(skipped);
    cli.note(
      `${cli.colors.green('✓')} imported ${secrets.size} secret${secrets.size === 1 ? '' : 's'} into ${target} (${created} new, ${secrets.size - created} updated)`,
    );
  }
}

/**
 * The entries as secret names and values (prefixed, folded for .env); empty values left out
 * unless --allow-empty (their keys returned). Two entries that give one name are refused.
 */
async function namedSecrets(
  entries: Array<{ key: string; value: string }>,
  fold: boolean,
  file: string,
  options: ImportOptions,
): Promise<{ secrets: Map<string, string>; empty: string[] }> {
  const core = await import('@hush/core');
  const prefix = options.prefix ?? '';
  const secrets = new Map<string, string>();
  const from = new Map<string, string>();
  // The rule of `hush set`: an empty value is stored only when asked for.
  const empty = options.allowEmpty ? [] : entries.filter((entry) => entry.value === '').map((e) => e.key);
  for (const { key, value } of entries) {
    if (value === '' && !options.allowEmpty) continue;
    const name = `${prefix}${fold ? toSecretName(key) : key}`;
    if (!core.isValidSecretName(name))
      throw new CliError(`${file}: '${key}' does not give a valid secret name ('${name}')`, 2);
    const earlier = from.get(name);
    if (earlier !== undefined)
      throw new CliError(
        `${file}: '${earlier}' and '${key}' both give the secret name '${name}'; nothing was imported`,
        2,
        'rename one of them: one would overwrite the other',
      );
    from.set(name, key);
    secrets.set(name, value);
  }
  return { secrets, empty };
}

/**
 * Writes every secret: a local target without audit or access control in one atomic write
 * (returns true), any other one by one through the manager.
 */
async function writeAll(cli: Cli, target: string, secrets: Map<string, string>): Promise<boolean> {
  const manager = await cli.manager();
  const provider = manager.getProvider(target);
  const { isLocalSecretProvider } = await import('@hush/provider-local');
  const local = isLocalSecretProvider(provider) ? provider : undefined;
  if (local && !(await cli.hasPlugins())) {
    for (const value of secrets.values()) manager.masker.add(value);
    // One atomic write: no count to show, only a status line on a terminal.
    const status = spinner(cli, `importing ${secrets.size} secrets into ${target}`);
    try {
      await local.setMany([...secrets].map(([key, value]) => ({ key, value })));
    } finally {
      status.stop();
    }
    return true;
  }
  const bar = await progressBar(cli, secrets.size, 'importing');
  try {
    for (const [name, value] of secrets) {
      await manager.setSecret(name, value, { provider: target, actor: cli.accessor });
      bar.tick();
    }
  } finally {
    bar.stop();
  }
  return false;
}

async function readEntries(
  path: string,
  file: string,
): Promise<{ entries: Array<{ key: string; value: string }>; fold: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const ext = extname(path).toLowerCase();
  const name = basename(path).toLowerCase();
  if (ext === '.env' || name === '.env' || name.startsWith('.env.'))
    return { entries: parseDotenv(text, file), fold: true };
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml')
    throw new UsageError(`cannot tell the format of ${file}`, 'use a .env, .json, .yaml or .yml file');
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : (await import('../yaml.js')).parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(file);
    throw new CliError(
      `${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${parseErrorLocation(error, text)}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new CliError(`${file}: expected a map of names to values`);
  const out: Array<{ key: string; value: string }> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value === null || value === undefined) return;
    if (depth > MAX_IMPORT_DEPTH) throw tooDeep(file);
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}/${k}` : k, depth + 1);
      return;
    }
    out.push({ key: path, value: typeof value === 'string' ? value : stringifyBounded(value, file) });
  };
  walk(parsed, '', 0);
  return { entries: out, fold: false };
}

function tooDeep(file: string): CliError {
  return new CliError(
    `${file}: nested deeper than ${MAX_IMPORT_DEPTH} levels; nothing was imported`,
    2,
    'flatten the file: each level of maps is a segment of a secret name',
  );
}

/** A non-string leaf (a number, a list) is stored as its JSON text; one too deep to write is refused. */
function stringifyBounded(value: unknown, file: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(file);
    throw error;
  }
}
