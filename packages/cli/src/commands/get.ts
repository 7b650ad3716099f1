import type { Secret } from '@hush/core';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../stdio.js';

interface GetOptions {
  version?: string;
  field?: string;
  provider?: string;
  scope?: string;
  binary?: boolean;
  previous?: boolean;
}

/** Prints the value and exactly one newline, so that `$(hush get x)` is the value. */
export default async function get(cli: Cli, [name]: [string], options: GetOptions): Promise<void> {
  const core = await import('@hush/core');
  await cli.checkProvider(options.provider);
  const manager = await cli.manager();
  const { name: bare, field: fieldInName } = core.splitFieldReference(name);
  const field = options.field ?? fieldInName;
  const pin = {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    accessor: cli.accessor,
  };
  let secret: Secret;
  if (options.previous && options.version !== undefined)
    throw new UsageError('give --previous or --version, not both');
  if (options.version !== undefined) {
    secret = await manager.getSecretVersion(bare, options.version, pin);
    if (field !== undefined) {
      const value = core.extractField(secret.value, field);
      if (value === undefined) throw new core.SecretNotFoundError(bare, { version: options.version, field });
      manager.masker.add(value);
      secret = core.createSecret({ ...secret.toInfo(), key: `${bare}#${field}`, value });
    }
  } else {
    secret = (await manager.getSecret(bare, {
      ...pin,
      required: true,
      ...(field !== undefined ? { field } : {}),
      ...(options.previous ? { previous: true } : {}),
    }))!;
  }
  if (options.binary) {
    if (secret.metadata?.encoding !== 'base64' || field !== undefined)
      throw new core.ValidationError(`secret '${secret.key}' was not stored with --binary`, {
        hint: 'read it without --binary',
      });
    // The bytes exactly as given to `set --binary`: no newline added.
    writeStdout(Buffer.from(secret.value, 'base64'));
    return;
  }
  if (cli.options.json) {
    // The user asked for the record: it includes the value.
    cli.printJson({ ...secret.toInfo(), value: secret.value });
    return;
  }
  writeStdout(`${secret.value}\n`);
}
