import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { noteCreatedKeyFiles } from '../local.js';
import { parseKeyValues, promptSecret, readStdin, readValueFromStdin } from '../util.js';

/** The metadata that marks a value stored with --binary: base64 of the bytes given. */
export const BINARY_METADATA = { encoding: 'base64' } as const;

interface SetOptions {
  value?: string;
  tag?: string[];
  metadata?: string[];
  expires?: string;
  scope?: string;
  provider?: string;
  allowEmpty?: boolean;
  binary?: boolean;
}

/** Reads the value from stdin (piped), a hidden prompt (terminal), or --value (warned). */
export default async function set(cli: Cli, [name]: [string], options: SetOptions): Promise<void> {
  const core = await import('@hush/core');
  (core.validateSecretName as (name: unknown) => void)(name);
  const tags = parseKeyValues(options.tag, '--tag');
  const given = parseKeyValues(options.metadata, '--metadata');
  const metadata = options.binary ? { ...given, ...BINARY_METADATA } : given;
  if (options.expires !== undefined) core.parseExpiry(options.expires);
  await cli.checkProvider(options.provider);
  let value: string;
  if (options.binary) {
    if (options.value !== undefined || process.stdin.isTTY)
      throw new UsageError(
        '--binary reads the bytes from stdin',
        'pipe them in: hush set NAME --binary < file',
      );
    // Every byte, exactly (no newline is dropped): base64 is what every provider stores as given.
    value = (await readStdin()).toString('base64');
  } else if (options.value !== undefined) {
    cli.warn('--value leaves the secret in your shell history and process list; prefer stdin or the prompt');
    value = options.value;
  } else if (!process.stdin.isTTY) value = await readValueFromStdin();
  else value = await promptSecret(`Value for ${name}:`);
  if (value === '' && !options.allowEmpty)
    throw new UsageError(
      `no value given for '${name}'`,
      'pipe the value on stdin (or pass --allow-empty to store an empty secret)',
    );
  const manager = await cli.manager();
  const info = await manager.setSecret(name, value, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(tags ? { tags } : {}),
    ...(metadata ? { metadata } : {}),
    ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    actor: cli.accessor,
  });
  noteCreatedKeyFiles(cli, manager);
  if (cli.options.json) cli.printJson(info);
  else cli.note(`${cli.colors.green('✓')} set ${info.key} (version ${info.version} in ${info.provider})`);
}
