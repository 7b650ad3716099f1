import type { SecretInfo } from '@hush/core';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { readValueFromStdin } from '../util.js';

interface RotateOptions {
  generate?: string;
  valueStdin?: boolean;
  expireOld?: boolean;
  expires?: string;
  due?: boolean;
  dryRun?: boolean;
  provider?: string;
  scope?: string;
}

/** One secret, or with --due every secret whose `rotation` tag period has passed since its update. */
export default async function rotate(
  cli: Cli,
  [name]: [string | undefined],
  options: RotateOptions,
): Promise<void> {
  const core = await import('@hush/core');
  await cli.checkProvider(options.provider);
  if (options.generate) core.parseGeneratorSpec(options.generate);
  if (options.expires !== undefined) core.parseExpiry(options.expires);
  if (options.due) {
    if (name) throw new UsageError('give a name or --due, not both');
    if (options.valueStdin)
      throw new UsageError('--value-stdin rotates one secret: it cannot be used with --due');
    return rotateDue(cli, options);
  }
  if (!name)
    throw new UsageError(
      "missing secret name (or --due to rotate every secret whose 'rotation' period has passed)",
    );
  if (options.dryRun) throw new UsageError('--dry-run goes with --due');
  (core.validateSecretName as (name: unknown) => void)(name);
  const newValue = options.valueStdin ? await readValueFromStdin() : undefined;
  if (newValue === '') throw new UsageError('no value on stdin');
  const manager = await cli.manager();
  const info = await manager.rotateSecret(name, {
    ...(newValue !== undefined ? { newValue } : { generator: options.generate ?? 'random:32' }),
    ...(options.expireOld ? { expireOldVersion: true } : {}),
    ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    actor: cli.accessor,
  });
  if (cli.options.json) cli.printJson(info);
  else
    cli.note(
      `${cli.colors.green('✓')} rotated ${name}: now version ${info.version}${options.expireOld ? ' (older versions expired)' : ''}`,
    );
}

async function rotateDue(cli: Cli, options: RotateOptions): Promise<void> {
  const core = await import('@hush/core');
  const manager = await cli.manager();
  const secrets = await manager.listSecrets({
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    accessor: cli.accessor,
  });
  const now = Date.now();
  const due: Array<{ info: SecretInfo; period: string }> = [];
  for (const info of secrets) {
    const period = info.tags.rotation;
    if (!period) continue;
    let ms: number;
    try {
      ms = core.parseDuration(period);
    } catch {
      cli.warn(`${info.key}: rotation tag '${period}' is not a duration (e.g. 30d); skipped`);
      continue;
    }
    if (info.updatedAt.getTime() + ms <= now) due.push({ info, period });
  }
  const rotated: Array<{ key: string; version: string; previous: string }> = [];
  if (!options.dryRun)
    for (const { info } of due) {
      const result = await manager.rotateSecret(info.key, {
        generator: options.generate ?? info.tags['rotation-generator'] ?? 'random:32',
        ...(options.expireOld ? { expireOldVersion: true } : {}),
        ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
        provider: info.provider,
        ...(options.scope ? { scope: options.scope } : {}),
        actor: cli.accessor,
      });
      rotated.push({ key: info.key, version: result.version, previous: info.version });
    }
  if (cli.options.json) {
    cli.printJson({
      dryRun: options.dryRun === true,
      due: due.map((d) => ({ key: d.info.key, rotation: d.period, updatedAt: d.info.updatedAt })),
      rotated,
    });
    return;
  }
  if (due.length === 0) cli.note('no secret is due for rotation');
  for (const d of due) {
    const done = rotated.find((r) => r.key === d.info.key);
    cli.print(
      done
        ? `rotated ${d.info.key} (every ${d.period}): version ${done.previous} -> ${done.version}`
        : `due ${d.info.key} (every ${d.period}, last updated ${d.info.updatedAt.toISOString()})`,
    );
  }
}
