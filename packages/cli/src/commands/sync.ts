import type { Secret } from '@hush/core';
import type { Cli } from '../context.js';
import { CliError, EXIT, exitCodeFor, UsageError } from '../errors.js';
import { Fingerprinter, type Side, sidesFromOptions } from '../sides.js';
import { progressBar } from '../util.js';

interface SyncOptions {
  from: string;
  to: string;
  env?: string | string[];
  pattern?: string;
  prune?: boolean;
  dryRun?: boolean;
}

type Action = 'create' | 'update' | 'delete';

interface Step {
  name: string;
  action: Action;
}

interface Failure extends Step {
  error: string;
  code?: string;
}

/**
 * Makes the target hold what the source holds: a plan (create, update and, with --prune,
 * delete), then the writes, then a check by fingerprint that both sides now agree. Values are
 * read from the source again right before each write and never kept. The first failure stops
 * the run; what was applied is reported and a second run plans only what is left.
 */
export default async function sync(cli: Cli, _args: unknown[], options: SyncOptions): Promise<void> {
  const core = await import('@hush/core');
  if (options.pattern) core.globToRegExp(options.pattern);
  if (Array.isArray(options.env) && options.env.length > 1)
    throw new UsageError('sync works within one environment: give --env once');
  const [source, target] = sidesFromOptions(cli, options);
  try {
    await source.open();
    await target.open();
    if (!target.manager.getProvider(options.to)!.capabilities.write)
      throw new core.UnsupportedOperationError(options.to, 'write', `provider '${options.to}' is read-only`);
    const plan = await makePlan(source, target, options);
    const counts = {
      create: plan.filter((s) => s.action === 'create').length,
      update: plan.filter((s) => s.action === 'update').length,
      delete: plan.filter((s) => s.action === 'delete').length,
    };
    const base = {
      from: options.from,
      to: options.to,
      dryRun: options.dryRun === true,
      plan: counts,
      steps: plan,
    };
    if (!cli.options.json) printPlan(cli, options, plan, counts);
    if (options.dryRun || plan.length === 0) {
      if (cli.options.json) cli.printJson({ ...base, applied: [], failed: null, pending: [], verify: null });
      return;
    }
    const { applied, failure } = await apply(cli, source, target, plan);
    const pending = failure ? plan.slice(applied.length + 1) : [];
    const verify = failure ? null : await verifyPlan(source, target, plan);
    if (cli.options.json) cli.printJson({ ...base, applied, failed: failure ?? null, pending, verify });
    else printOutcome(cli, options, applied, failure, pending, verify);
    if (failure)
      throw new CliError(
        `sync stopped at ${failure.name} (${failure.action}): ${failure.error}`,
        failure.code === 'PROVIDER_UNAVAILABLE' ? EXIT.unavailable : exitCodeFor({ code: failure.code }),
        `${applied.length} of ${plan.length} changes were applied; run the same command again to finish`,
      );
    if (verify && verify.mismatched.length > 0)
      throw new CliError(
        `verify failed: ${verify.mismatched.join(', ')} still differ between ${options.from} and ${options.to}`,
      );
  } finally {
    await source.dispose();
    await target.dispose();
  }
}

async function makePlan(source: Side, target: Side, options: SyncOptions): Promise<Step[]> {
  const [sourceNames, targetNames] = [
    await source.names(options.pattern),
    await target.names(options.pattern),
  ];
  const fingerprinter = new Fingerprinter();
  const [a, b] = [
    await source.fingerprints(sourceNames, fingerprinter),
    await target.fingerprints(targetNames, fingerprinter),
  ];
  const plan: Step[] = [];
  for (const name of sourceNames) {
    const print = a.get(name);
    if (print === undefined) continue;
    const there = b.get(name);
    if (there === undefined) plan.push({ name, action: 'create' });
    else if (there !== print) plan.push({ name, action: 'update' });
  }
  if (options.prune)
    for (const name of targetNames) if (b.has(name) && !a.has(name)) plan.push({ name, action: 'delete' });
  return plan;
}

/** Applies the steps in order, stopping at the first failure. */
async function apply(
  cli: Cli,
  source: Side,
  target: Side,
  plan: Step[],
): Promise<{ applied: Step[]; failure?: Failure }> {
  const provider = target.spec.provider!;
  const capabilities = target.manager.getProvider(provider)!.capabilities;
  const applied: Step[] = [];
  const bar = await progressBar(cli, plan.length, `syncing ${source.spec.provider} -> ${provider}`);
  try {
    for (const step of plan) {
      try {
        if (step.action === 'delete')
          await target.manager.deleteSecret(step.name, { provider, actor: cli.accessor });
        else {
          const secret = await source.read(step.name);
          if (!secret) throw new CliError(`it is no longer in ${source.label}`);
          await target.manager.setSecret(
            step.name,
            secret.value,
            writeOptions(secret, provider, capabilities, cli),
          );
        }
        applied.push(step);
      } catch (error) {
        const message = cli.mask(source.cli.mask((error as Error)?.message ?? String(error)));
        const code = (error as { code?: unknown }).code;
        return {
          applied,
          failure: { ...step, error: message, ...(typeof code === 'string' ? { code } : {}) },
        };
      } finally {
        bar.tick();
      }
    }
  } finally {
    bar.stop();
  }
  return { applied };
}

function writeOptions(
  secret: Secret,
  provider: string,
  capabilities: { tags: boolean; expiry: boolean },
  cli: Cli,
) {
  return {
    provider,
    actor: cli.accessor,
    ...(capabilities.tags && Object.keys(secret.tags).length ? { tags: secret.tags } : {}),
    ...(Object.keys(secret.metadata).length ? { metadata: secret.metadata } : {}),
    ...(capabilities.expiry && secret.expiresAt ? { expiresAt: secret.expiresAt } : {}),
    ...(secret.scope !== undefined ? { scope: secret.scope } : {}),
  };
}

/** Both sides read again: every created or updated name agrees, every deleted one is gone. */
async function verifyPlan(
  source: Side,
  target: Side,
  plan: Step[],
): Promise<{ checked: number; matched: number; mismatched: string[] }> {
  const fingerprinter = new Fingerprinter();
  const names = plan.map((s) => s.name);
  const [a, b] = [
    await source.fingerprints(names, fingerprinter),
    await target.fingerprints(names, fingerprinter),
  ];
  const mismatched = plan
    .filter((s) => (s.action === 'delete' ? b.has(s.name) : a.get(s.name) !== b.get(s.name)))
    .map((s) => s.name);
  return { checked: plan.length, matched: plan.length - mismatched.length, mismatched };
}

function printPlan(cli: Cli, options: SyncOptions, plan: Step[], counts: Record<Action, number>): void {
  const head = `plan ${options.from} -> ${options.to}: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete`;
  cli.print(plan.length === 0 ? `${options.from} -> ${options.to}: in sync, nothing to do` : head);
  const paint = { create: cli.colors.green, update: cli.colors.yellow, delete: cli.colors.red };
  for (const step of plan) cli.print(`  ${paint[step.action](step.action.padEnd(6))} ${step.name}`);
  if (options.dryRun && plan.length) cli.print('dry run: nothing was written');
}

function printOutcome(
  cli: Cli,
  options: SyncOptions,
  applied: Step[],
  failure: Failure | undefined,
  pending: Step[],
  verify: { checked: number; matched: number; mismatched: string[] } | null,
): void {
  const total = applied.length + (failure ? 1 + pending.length : 0);
  cli.print(`applied ${applied.length} of ${total}`);
  if (failure) {
    for (const step of applied) cli.print(`  applied  ${step.action} ${step.name}`);
    cli.print(`  failed   ${failure.action} ${failure.name}: ${failure.error}`);
    for (const step of pending) cli.print(`  pending  ${step.action} ${step.name}`);
  }
  if (verify)
    cli.print(
      `verify: ${verify.matched}/${verify.checked} agree between ${options.from} and ${options.to}${verify.mismatched.length ? `; differ: ${verify.mismatched.join(', ')}` : ''}`,
    );
}
