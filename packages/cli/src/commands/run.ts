import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { extname, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Cli } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { parseErrorLocation, toEnvName } from '../util.js';

interface RunOptions {
  prefix?: string;
  provider?: string;
  map?: string;
  mask: boolean;
  keepMasterKey?: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Starts a command with the environment's secrets as variables. Its stdout and stderr pass through
 * the manager's masker (values split across chunks and binary output included); its exit code is
 * ours, a death by signal N is 128+N, and signals sent to hush are passed on to it.
 */
export default async function run(cli: Cli, [argv]: [string[]], options: RunOptions): Promise<void> {
  const [command, ...args] = argv;
  if (!command) throw new UsageError('missing command to run', 'hush run [options] -- <command> [args...]');
  if (options.map && (options.prefix || options.provider))
    throw new UsageError('--map names its secrets: it cannot be combined with --prefix or --provider');
  await cli.checkProvider(options.provider);
  const variables = await resolveVariables(cli, options);
  const manager = await cli.manager();
  if (process.env.HUSH_MASTER_KEY) manager.masker.add(process.env.HUSH_MASTER_KEY);
  for (const value of Object.values(variables)) {
    manager.masker.add(value);
    for (const leaf of jsonLeaves(value)) manager.masker.add(leaf);
  }

  const child = spawn(command, args, {
    stdio: options.mask ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    env: childEnvironment(variables, options.keepMasterKey === true),
  });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);

  const streams: Promise<void>[] = [];
  if (options.mask) {
    streams.push(pipeMasked(child.stdout!, process.stdout, manager.masker.createStream()));
    streams.push(pipeMasked(child.stderr!, process.stderr, manager.masker.createStream()));
  }
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolvePromise, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new CliError(`command not found: ${command}`, 127));
        else if (error.code === 'EACCES') reject(new CliError(`command not executable: ${command}`, 126));
        else reject(error);
      });
      child.once('exit', (code, signal) => resolvePromise({ code, signal }));
    },
  );
  await Promise.all(streams);
  for (const signal of FORWARDED) process.off(signal, forward);
  process.exitCode = outcome.signal ? 128 + (constants.signals[outcome.signal] ?? 0) : (outcome.code ?? 1);
}

/**
 * The child's environment: ours plus the secrets. HUSH_MASTER_KEY opens every secret of the store,
 * so the child does not get it unless asked (`--keep-master-key`, e.g. for a nested hush).
 */
function childEnvironment(variables: Record<string, string>, keepMasterKey: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...variables };
  if (!keepMasterKey && !('HUSH_MASTER_KEY' in variables)) delete env.HUSH_MASTER_KEY;
  return env;
}

/** String fields of a JSON secret: a child that parses the secret and prints a field is masked too. */
function jsonLeaves(value: string): string[] {
  if (!/^\s*[[{]/.test(value)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const leaves: string[] = [];
  const walk = (node: unknown): void => {
    // Short fields (a user name such as 'svc') would garble ordinary output; secrets are longer.
    if (typeof node === 'string' && node.length >= MIN_FIELD_LENGTH) leaves.push(node);
    else if (node && typeof node === 'object') for (const child of Object.values(node)) walk(child);
  };
  walk(parsed);
  return leaves;
}

const MIN_FIELD_LENGTH = 6;

function pipeMasked(source: Readable, target: Writable, masker: NodeJS.ReadWriteStream): Promise<void> {
  return new Promise((resolvePromise) => {
    source.pipe(masker);
    masker.on('data', (chunk: Buffer) => target.write(chunk));
    masker.on('end', () => resolvePromise());
    source.on('error', () => resolvePromise());
  });
}

/** Variable name → value: from --map, or every listed secret (of a prefix or a provider). */
async function resolveVariables(cli: Cli, options: RunOptions): Promise<Record<string, string>> {
  const manager = await cli.manager();
  const read = { accessor: cli.accessor, ...(options.provider ? { provider: options.provider } : {}) };
  const variables: Record<string, string> = {};
  if (options.map) {
    const mapping = await loadMap(resolve(cli.cwd, options.map));
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
        `${missing.length} secret${missing.length === 1 ? '' : 's'} of ${options.map} not found`,
        3,
        undefined,
        missing.sort(),
      );
    return variables;
  }
  const prefix = options.prefix ?? '';
  const infos = await manager.listSecrets({ ...read, ...(prefix ? { prefix } : {}) });
  const names = infos.map((info) => info.key);
  const found = names.length ? await manager.getSecrets(names, read) : new Map();
  const origin = new Map<string, string>();
  for (const name of names) {
    const secret = found.get(name);
    if (!secret) continue;
    const variable = toEnvName(name.slice(prefix.length));
    if (variable === '' || /^[0-9]/.test(variable)) {
      cli.warn(`secret '${name}' gives no usable variable name; skipped`);
      continue;
    }
    const previous = origin.get(variable);
    if (previous)
      throw new CliError(
        `secrets '${previous}' and '${name}' both become ${variable}`,
        1,
        'use --map to name the variables yourself',
      );
    origin.set(variable, name);
    variables[variable] = secret.value;
  }
  return variables;
}

/** `ENV_VAR: secret-name[#field]` in YAML or JSON (optionally under a `mapping:` key). */
async function loadMap(path: string): Promise<Record<string, string>> {
  const core = await import('@hush/core');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new core.ConfigError(
      `cannot read the mapping file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: path },
    );
  }
  let parsed: unknown;
  try {
    parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new core.ConfigError(
      `not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${parseErrorLocation(error, text)}`,
      { file: path },
    );
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
