import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { CliError, EXIT } from './errors.js';
import { parseErrorLocation, toEnvName } from './util.js';

/** Two secrets that would give one variable (or key): refused, never resolved by keeping one. */
export class NameCollisionError extends CliError {
  constructor(
    readonly variable: string,
    readonly secrets: [string, string],
  ) {
    super(
      `secrets '${secrets[0]}' and '${secrets[1]}' both become ${variable}`,
      EXIT.failure,
      'use --map to name the variables yourself, or narrow the selection with --prefix or --pattern',
      [],
      'NAME_COLLISION',
    );
  }
}

/**
 * Variable name → secret name for listed secrets, as `run` and `export` derive them: the prefix
 * dropped, then uppercased with every other character `_`. Two secrets that give one name are a
 * `NameCollisionError` naming both. Names for which `usable` says no are passed to `skip`.
 */
export function variablesOf(
  names: Iterable<string>,
  options: { prefix?: string; usable?: (variable: string) => boolean; skip?: (name: string) => void } = {},
): Map<string, string> {
  const prefix = options.prefix ?? '';
  const variables = new Map<string, string>();
  for (const name of names) {
    const variable = toEnvName(name.startsWith(prefix) ? name.slice(prefix.length) : name);
    if (options.usable && !options.usable(variable)) {
      options.skip?.(name);
      continue;
    }
    const previous = variables.get(variable);
    if (previous !== undefined) {
      const pair = [previous, name].sort() as [string, string];
      throw new NameCollisionError(variable, pair);
    }
    variables.set(variable, name);
  }
  return variables;
}

/** A variable name a shell and `process.env` accept: not empty, not starting with a digit. */
export const isUsableVariable = (variable: string): boolean => variable !== '' && !/^[0-9]/.test(variable);

/** `ENV_VAR: secret-name[#field]` in YAML or JSON (optionally under a `mapping:` key). */
export async function loadMap(path: string): Promise<Record<string, string>> {
  const core = await import('@hush/core');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new core.ConfigError(
      `cannot read the mapping file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: path },
    );
  }
  const json = extname(path).toLowerCase() === '.json';
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : (await import('./yaml.js')).parse(text);
  } catch (error) {
    throw new core.ConfigError(`not valid ${json ? 'JSON' : 'YAML'}: ${parseErrorLocation(error, text)}`, {
      file: path,
    });
  }
  if (parsed && typeof parsed === 'object' && 'mapping' in parsed)
    parsed = (parsed as { mapping: unknown }).mapping;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new core.ConfigError('expected a map of ENV_VAR: secret-name', { file: path });
  const mapping: Record<string, string> = {};
  for (const [variable, reference] of Object.entries(parsed)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
      throw new core.ConfigError('expected an environment variable name (letters, digits, _)', {
        file: path,
        path: variable,
      });
    if (typeof reference !== 'string')
      throw new core.ConfigError('expected a secret name (name or name#field)', {
        file: path,
        path: variable,
      });
    (core.validateSecretName as (name: unknown) => void)(core.splitFieldReference(reference).name);
    mapping[variable] = reference;
  }
  return mapping;
}

/**
 * Reads the secrets a mapping names (`name` or `name#field`); every missing one is reported at
 * once (exit 3), as render reports unresolved references.
 */
export async function readMapped(
  manager: import('@hush/core').SecretManager,
  mapping: Record<string, string>,
  read: { accessor: string; provider?: string },
  source: string,
): Promise<Record<string, string>> {
  const variables: Record<string, string> = {};
  const missing: string[] = [];
  await Promise.all(
    Object.entries(mapping).map(async ([variable, reference]) => {
      const secret = await manager.getSecret(reference, read);
      if (secret) variables[variable] = secret.value;
      else missing.push(`${variable}: ${reference}`);
    }),
  );
  if (missing.length)
    throw new CliError(
      `${missing.length} secret${missing.length === 1 ? '' : 's'} of ${source} not found`,
      EXIT.notFound,
      undefined,
      missing.sort(),
      'UNRESOLVED_REFERENCES',
    );
  return Object.fromEntries(Object.keys(mapping).map((variable) => [variable, variables[variable]!]));
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/;

/**
 * A dotenv-shaped template that assigns one variable on two lines from two different secrets
 * gives a file in which one of them silently wins: refused, naming both (never their values).
 * `referencesOf` returns the secret names a line refers to.
 */
export function checkAssignments(text: string, referencesOf: (line: string) => string[]): void {
  const seen = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = ASSIGNMENT.exec(line);
    if (!match) continue;
    const secret = referencesOf(match[2]!)[0];
    if (secret === undefined) continue;
    const previous = seen.get(match[1]!);
    if (previous !== undefined && previous !== secret)
      throw new NameCollisionError(match[1]!, [previous, secret].sort() as [string, string]);
    seen.set(match[1]!, secret);
  }
}

/** A file name of the dotenv family: `.env`, `.env.local`, `app.env`. */
export const isDotenvName = (file: string): boolean => /(^|[\\/])\.env(\.[^\\/]*)?$|\.env$/i.test(file);
