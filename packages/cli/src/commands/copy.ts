import type { Cli } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { progressBar } from '../util.js';

interface CopyOptions {
  from: string;
  to: string;
  pattern?: string;
  verify?: boolean;
  dryRun?: boolean;
  overwrite?: boolean;
}

/**
 * Copies the current version of each secret from one provider to another of the environment
 * (tags, metadata and expiry where the target keeps them). An existing secret with the same value
 * is left alone; with another value it is skipped unless --overwrite. --verify re-reads both sides.
 */
export default async function copy(cli: Cli, _args: unknown[], options: CopyOptions): Promise<void> {
  if (options.from === options.to) throw new UsageError('--from and --to name the same provider');
  await cli.checkProvider(options.from);
  await cli.checkProvider(options.to);
  const manager = await cli.manager();
  const target = manager.getProvider(options.to)!;
  // The manager's own refusal, so that `copy --to env` and `set --provider env` exit alike.
  if (!target.capabilities.write) {
    const { UnsupportedOperationError } = await import('@hush/core');
    throw new UnsupportedOperationError(options.to, 'write', `provider '${options.to}' is read-only`);
  }
  const infos = await manager.listSecrets({
    provider: options.from,
    accessor: cli.accessor,
    ...(options.pattern ? { pattern: options.pattern } : {}),
  });
  const counts = { copied: 0, unchanged: 0, skipped: 0, failed: 0 };
  const plan: Array<{ name: string; action: 'copy' | 'overwrite' | 'unchanged' | 'skip' }> = [];
  const failures: string[] = [];
  const bar = options.dryRun
    ? { tick() {}, stop() {} }
    : await progressBar(cli, infos.length, `copying ${options.from} -> ${options.to}`);
  try {
    for (const info of infos) {
      try {
        const source = await manager.getSecret(info.key, {
          provider: options.from,
          accessor: cli.accessor,
          fresh: true,
        });
        if (!source) continue;
        const existing = await manager.getSecret(info.key, {
          provider: options.to,
          accessor: cli.accessor,
          fresh: true,
        });
        const action = !existing
          ? 'copy'
          : existing.value === source.value
            ? 'unchanged'
            : options.overwrite
              ? 'overwrite'
              : 'skip';
        plan.push({ name: info.key, action });
        if (action === 'unchanged') counts.unchanged++;
        else if (action === 'skip') counts.skipped++;
        else if (!options.dryRun) {
          await manager.setSecret(info.key, source.value, {
            provider: options.to,
            actor: cli.accessor,
            ...(target.capabilities.tags && Object.keys(source.tags).length ? { tags: source.tags } : {}),
            ...(Object.keys(source.metadata).length ? { metadata: source.metadata } : {}),
            ...(target.capabilities.expiry && source.expiresAt ? { expiresAt: source.expiresAt } : {}),
            ...(source.scope !== undefined ? { scope: source.scope } : {}),
          });
          counts.copied++;
        } else counts.copied++;
      } catch (error) {
        counts.failed++;
        failures.push(`${info.key}: ${cli.mask((error as Error).message)}`);
      } finally {
        bar.tick();
      }
    }
  } finally {
    bar.stop();
  }

  let verify: { checked: number; matched: number; mismatched: string[] } | undefined;
  if (options.verify && !options.dryRun) {
    verify = { checked: 0, matched: 0, mismatched: [] };
    for (const { name, action } of plan) {
      if (action === 'skip') continue;
      verify.checked++;
      const [a, b] = await Promise.all([
        manager.getSecret(name, { provider: options.from, accessor: cli.accessor, fresh: true }),
        manager.getSecret(name, { provider: options.to, accessor: cli.accessor, fresh: true }),
      ]);
      if (a && b && a.value === b.value) verify.matched++;
      else verify.mismatched.push(name);
    }
  }

  if (cli.options.json)
    cli.printJson({
      from: options.from,
      to: options.to,
      dryRun: options.dryRun === true,
      ...counts,
      secrets: plan,
      failures,
      ...(verify ? { verify } : {}),
    });
  else {
    if (options.dryRun) for (const { name, action } of plan) cli.print(`${action.padEnd(9)} ${name}`);
    const verb = options.dryRun ? 'would copy' : 'copied';
    cli.print(
      `${verb} ${counts.copied}, unchanged ${counts.unchanged}, skipped ${counts.skipped} (exist with another value${options.overwrite ? '' : '; --overwrite replaces them'}), failed ${counts.failed}`,
    );
    for (const line of failures) cli.print(`  failed: ${line}`);
    if (verify)
      cli.print(
        `verify: ${verify.matched}/${verify.checked} identical${verify.mismatched.length ? `; differ: ${verify.mismatched.join(', ')}` : ''}`,
      );
  }
  if (counts.failed > 0)
    throw new CliError(`${counts.failed} secret${counts.failed === 1 ? '' : 's'} could not be copied`);
  if (verify && verify.mismatched.length > 0)
    throw new CliError(
      `verify failed: ${verify.mismatched.length} secret${verify.mismatched.length === 1 ? '' : 's'} differ between ${options.from} and ${options.to}`,
    );
}
