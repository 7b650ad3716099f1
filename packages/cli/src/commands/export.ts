import { resolve } from 'node:path';
import { providerOffering } from '../capable.js';
import type { Cli } from '../context.js';
import { formatDotenvLine } from '../dotenv.js';
import { UsageError } from '../errors.js';
import { externalSecretManifests, goDuration } from '../external-secret.js';
import { writePrivateFile } from '../util.js';
import { loadMap, readMapped, variablesOf } from '../variables.js';

interface ExportOptions {
  format?: 'dotenv' | 'json' | 'yaml' | 'k8s-secret' | 'external-secret';
  store?: string;
  refresh?: string;
  cluster?: boolean;
  namespace?: string;
  reveal?: boolean;
  output?: string;
  pattern?: string;
  prefix?: string;
  provider?: string;
  map?: string;
  name: string;
}

const MASKED = '***';

/** What is exported: each entry's key in the output and its value (or `***`). */
interface Entries {
  /** Key as written by a format that keeps secret names (json, yaml), when no mapping names them. */
  names: Map<string, string>;
  /** Key as written by a format of variables (dotenv, k8s-secret). */
  variables: Map<string, string>;
}

/**
 * Writes the listed secrets in a format other tools read. Without --reveal every value is `***`
 * (the shape, names and count, safe to show); with it, real values go to stdout or a 0600 file.
 * Two secrets that give one variable are refused in every format, as `run` refuses them.
 */
export default async function exportSecrets(
  cli: Cli,
  _args: unknown[],
  options: ExportOptions,
): Promise<void> {
  if (options.format === 'external-secret') return exportExternalSecret(cli, options);
  for (const [flag, given] of [
    ['--store', options.store],
    ['--refresh', options.refresh],
    ['--cluster', options.cluster],
    ['--namespace', options.namespace],
  ] as const)
    if (given !== undefined) throw new UsageError(`${flag} goes with --format external-secret`);
  if (options.map && (options.pattern || options.prefix || options.provider))
    throw new UsageError(
      '--map names its secrets: it cannot be combined with --pattern, --prefix or --provider',
    );
  await cli.checkProvider(options.provider);
  const entries = options.map ? await mappedEntries(cli, options) : await listedEntries(cli, options);

  // --json (the global flag) asks for JSON when no --format says otherwise.
  const format = options.format ?? (cli.options.json ? 'json' : 'dotenv');
  let text: string;
  switch (format) {
    case 'json':
      text = `${JSON.stringify(Object.fromEntries(entries.names), null, 2)}\n`;
      break;
    case 'yaml':
      text = (await import('../yaml.js')).stringify(Object.fromEntries(entries.names));
      break;
    case 'k8s-secret': {
      const data = Object.fromEntries(
        [...entries.variables].map(([k, v]) => [
          k,
          options.reveal ? Buffer.from(v).toString('base64') : MASKED,
        ]),
      );
      text = (await import('../yaml.js')).stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: options.name },
        type: 'Opaque',
        [options.reveal ? 'data' : 'stringData']: data,
      });
      break;
    }
    default:
      text = [...entries.variables].map(([k, v]) => `${formatDotenvLine(k, v)}\n`).join('');
  }
  const count = entries.variables.size;
  if (!options.reveal) cli.note(`note: values are masked as ${MASKED}; pass --reveal to export them`);
  if (options.output) {
    await writePrivateFile(resolve(cli.cwd, options.output), text);
    cli.note(
      `${cli.colors.green('✓')} wrote ${count} secret${count === 1 ? '' : 's'} to ${options.output} (mode 0600)`,
    );
  } else process.stdout.write(text);
}

/** Every listed secret; their variables checked for collisions before any value is read. */
async function listedEntries(cli: Cli, options: ExportOptions): Promise<Entries> {
  const manager = await cli.manager();
  const read = { accessor: cli.accessor, ...(options.provider ? { provider: options.provider } : {}) };
  const infos = await manager.listSecrets({
    ...read,
    ...(options.pattern ? { pattern: options.pattern } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const names = infos.map((i) => i.key);
  const variables = variablesOf(names);
  const values = new Map<string, string>();
  if (options.reveal && names.length) {
    const found = await manager.getSecrets(names, read);
    for (const name of names) {
      const secret = found.get(name);
      if (secret) values.set(name, secret.value);
    }
  } else for (const name of names) values.set(name, MASKED);
  return {
    names: values,
    variables: new Map(
      [...variables]
        .filter(([, name]) => values.has(name))
        .map(([variable, name]) => [variable, values.get(name)!]),
    ),
  };
}

/** `--map`: the mapping's variables are the keys of every format. */
async function mappedEntries(cli: Cli, options: ExportOptions): Promise<Entries> {
  const mapping = await loadMap(resolve(cli.cwd, options.map!));
  const manager = await cli.manager();
  const values = await readMapped(manager, mapping, { accessor: cli.accessor }, options.map!);
  const shown = new Map(
    Object.entries(values).map(([variable, value]) => [variable, options.reveal ? value : MASKED]),
  );
  return { names: shown, variables: shown };
}

/**
 * SecretStore and ExternalSecret manifests for External Secrets Operator, on the backend the
 * environment reads from: names only, never a value (ESO reads the values from the backend).
 */
async function exportExternalSecret(cli: Cli, options: ExportOptions): Promise<void> {
  if (options.reveal)
    throw new UsageError('--reveal does not go with --format external-secret: the manifests hold no values');
  const core = await import('@hush/core');
  const refreshMs = core.parseDuration(options.refresh ?? '1h');
  const { name: providerName, provider } = await providerOffering(
    cli,
    'externalSecrets',
    'External Secrets Operator',
    options.provider,
  );
  const manager = await cli.manager();
  const infos = await manager.listSecrets({
    accessor: cli.accessor,
    provider: providerName,
    ...(options.pattern ? { pattern: options.pattern } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const backend = await provider.externalSecrets!();
  const documents = externalSecretManifests(
    backend,
    infos.map((i) => i.key),
    {
      store: options.store ?? `hush-${providerName}`,
      cluster: options.cluster === true,
      name: options.name,
      refreshInterval: goDuration(refreshMs),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    },
  );
  const yaml = await import('../yaml.js');
  const text = documents.map((doc) => yaml.stringify(doc)).join('---\n');
  if (options.output) {
    await writePrivateFile(resolve(cli.cwd, options.output), text);
    cli.note(
      `${cli.colors.green('✓')} wrote a ${options.cluster ? 'ClusterSecretStore' : 'SecretStore'} and an ExternalSecret of ${infos.length} secret${infos.length === 1 ? '' : 's'} to ${options.output}`,
    );
  } else process.stdout.write(text);
}
