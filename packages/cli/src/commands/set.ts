import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { parseKeyValues, promptSecret, readValueFromStdin } from '../util.js';

interface SetOptions {
  value?: string;
  tag?: string[];
  metadata?: string[];
  expires?: string;
  scope?: string;
  provider?: string;
  allowEmpty?: boolean;
}

/** Reads the value from stdin (piped), a hidden prompt (terminal), or --value (warned). */
export default async function set(cli: Cli, [name]: [string], options: SetOptions): Promise<void> {
  const core = await import('@hush/core');
  (core.validateSecretName as (name: unknown) => void)(name);
  const tags = parseKeyValues(options.tag, '--tag');
  const metadata = parseKeyValues(options.metadata, '--metadata');
  if (options.expires !== undefined) core.parseExpiry(options.expires);
  await cli.checkProvider(options.provider);
  let value: string;
  if (options.value !== undefined) {
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
  if (cli.options.json) cli.printJson(info);
  else cli.note(`${cli.colors.green('✓')} set ${info.key} (version ${info.version} in ${info.provider})`);
}
