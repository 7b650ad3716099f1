import type { ProviderCapabilities, SecretManager } from '@hush/core';
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

type Action = 'copy' | 'overwrite' | 'unchanged' | 'skip';
type Counts = { copied: number; unchanged: number; skipped: number; failed: number };
type Verify = { checked: number; matched: number; mismatched: string[] };

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
  const names = (
    await manager.listSecrets({
      provider: options.from,
      accessor: cli.accessor,
      ...(options.pattern ? { pattern: options.pattern } : {}),
    })
  ).map((info) => info.key);
  const { counts, plan, failures } = await copyEach(cli, manager, target.capabilities, names, options);
  const verify =
    options.verify && !options.dryRun ? await verifyCopies(cli, manager, plan, options) : undefined;
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
  else printSummary(cli, options, plan, counts, failures, verify);
  if (counts.failed > 0)
    throw new CliError(`${counts.failed} secret${counts.failed === 1 ? '' : 's'} could not be copied`);
  if (verify && verify.mismatched.length > 0)
    throw new CliError(
      `verify failed: ${verify.mismatched.length} secret${verify.mismatched.length === 1 ? '' : 's'} differ between ${options.from} and ${options.to}`,
    );
}

/** Each secret in turn: read both sides, decide, write (unless a dry run); a failure is counted, not fatal. */
async function copyEach(
  cli: Cli,
  manager: SecretManager,
  target: ProviderCapabilities,
  names: string[],
  options: CopyOptions,
): Promise<{ counts: Counts; plan: Array<{ name: string; action: Action }>; failures: string[] }> {
  const counts: Counts = { copied: 0, unchanged: 0, skipped: 0, failed: 0 };
  const plan: Array<{ name: string; action: Action }> = [];
  const failures: string[] = [];
  const read = (name: string, provider: string) =>
    manager.getSecret(name, { provider, accessor: cli.accessor, fresh: true });
  const bar = options.dryRun
    ? { tick() {}, stop() {} }
    : await progressBar(cli, names.length, `copying ${options.from} -> ${options.to}`);
  try {
    for (const name of names) {
      try {
        const source = await read(name, options.from);
        if (!source) continue;
        const existing = await read(name, options.to);
        const action: Action = !existing
          ? 'copy'
          : existing.value === source.value
            ? 'unchanged'
            : options.overwrite
              ? 'overwrite'
              : 'skip';
        plan.push({ name, action });
        if (action === 'unchanged') counts.unchanged++;
        else if (action === 'skip') counts.skipped++;
        else {
          if (!options.dryRun)
            await manager.setSecret(name, source.value, {
              provider: options.to,
              actor: cli.accessor,
              ...(target.tags && Object.keys(source.tags).length ? { tags: source.tags } : {}),
              ...(Object.keys(source.metadata).length ? { metadata: source.metadata } : {}),
              ...(target.expiry && source.expiresAt ? { expiresAt: source.expiresAt } : {}),
              ...(source.scope !== undefined ? { scope: source.scope } : {}),
            });
          counts.copied++;
        }
      } catch (error) {
        counts.failed++;
        failures.push(`${name}: ${cli.mask((error as Error).message)}`);
      } finally {
        bar.tick();
      }
    }
  } finally {
    bar.stop();
  }
  return { counts, plan, failures };
}

/** `--verify`: both sides read again, fresh, and compared. */
async function verifyCopies(
  cli: Cli,
  manager: SecretManager,
  plan: Array<{ name: string; action: Action }>,
  options: CopyOptions,
): Promise<Verify> {
  const verify: Verify = { checked: 0, matched: 0, mismatched: [] };
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
  return verify;
}

function printSummary(
  cli: Cli,
  options: CopyOptions,
  plan: Array<{ name: string; action: Action }>,
  counts: Counts,
  failures: string[],
  verify: Verify | undefined,
): void {
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
