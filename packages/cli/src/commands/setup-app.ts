import type { SecretManager } from '@hush/core';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../util.js';

interface SetupOptions {
  environments: string;
  secrets: string;
  generate?: string;
  rotation?: string;
  provider?: string;
  dryRun?: boolean;
  force?: boolean;
}

type SecretAction = 'create' | 'keep' | 'replace';
type PolicyAction = 'write' | 'unchanged' | 'none';

interface SecretStep {
  environment: string;
  name: string;
  action: SecretAction;
  version?: string;
}

interface PolicyStep {
  environment: string;
  name: string;
  action: PolicyAction;
}

const PAST: Record<SecretAction | PolicyAction, string> = {
  create: 'created',
  keep: 'kept',
  replace: 'replaced',
  write: 'written',
  unchanged: 'unchanged',
  none: 'none',
};

/**
 * Sets an application up in one provider: for each environment, `APP/ENV/NAME` with a generated
 * value (never printed), tagged with its rotation period, and a read policy per environment
 * where the provider keeps policies. Run again, it leaves what exists alone (`--force` replaces
 * the values); `--dry-run` shows the plan and writes nothing.
 */
export default async function setupApp(cli: Cli, [app]: [string], options: SetupOptions): Promise<void> {
  const core = await import('@hush/core');
  const environments = words(options.environments, '--environments');
  const secrets = words(options.secrets, '--secrets');
  const generator = options.generate ?? 'random:32';
  core.parseGeneratorSpec(generator);
  if (options.rotation !== undefined) core.parseDuration(options.rotation);
  const names = environments.flatMap((env) =>
    secrets.map((secret) => ({ env, secret, name: `${app}/${env}/${secret}` })),
  );
  for (const { name } of names) (core.validateSecretName as (name: unknown) => void)(name);

  const providerName = await cli.writeProviderName(options.provider);
  const manager = await cli.manager();
  const provider = manager.getProvider(providerName)!;
  const existing = new Set(
    (await manager.listSecrets({ prefix: `${app}/`, provider: providerName, accessor: cli.accessor })).map(
      (s) => s.key,
    ),
  );
  const tags: Record<string, string> = {
    app,
    'rotation-generator': generator,
    ...(options.rotation ? { rotation: options.rotation } : {}),
  };

  const steps: SecretStep[] = [];
  for (const { env, secret, name } of names) {
    const action: SecretAction = existing.has(name) ? (options.force ? 'replace' : 'keep') : 'create';
    const step: SecretStep = { environment: env, name: secret, action };
    steps.push(step);
    if (options.dryRun || action === 'keep') continue;
    step.version = await write(manager, name, core.generateSecretValue(generator), {
      provider: providerName,
      tags: { ...tags, environment: env },
      actor: cli.accessor,
      create: action === 'create',
    }).catch((error: unknown) => {
      // Created meanwhile by someone else: theirs stays.
      if ((error as { code?: string }).code === 'VERSION_CONFLICT') {
        step.action = 'keep';
        return undefined;
      }
      throw error;
    });
  }

  const policies: PolicyStep[] = [];
  if (provider.putPolicy && provider.readPolicyFor)
    for (const env of environments) {
      const name = `${app}-${env}-read`;
      const document = provider.readPolicyFor(`${app}/${env}/`);
      const current = provider.getPolicy ? await provider.getPolicy(name) : null;
      const action: PolicyAction = current === document ? 'unchanged' : 'write';
      policies.push({ environment: env, name, action });
      if (!options.dryRun && action === 'write') await provider.putPolicy(name, document);
    }

  const configLines = configFor(app, environments, secrets, provider.kind, providerName);
  if (cli.options.json) {
    cli.printJson({
      app,
      provider: providerName,
      dryRun: options.dryRun === true,
      secrets: steps,
      policies,
      config: configLines,
    });
    return;
  }
  report(cli, steps, policies, options.dryRun === true);
  cli.print();
  cli.print(configLines);
}

async function write(
  manager: SecretManager,
  name: string,
  value: string,
  options: { provider: string; tags: Record<string, string>; actor: string; create: boolean },
): Promise<string> {
  const info = await manager.setSecret(name, value, {
    provider: options.provider,
    tags: options.tags,
    actor: options.actor,
    // A create must not overwrite a value someone wrote since the listing.
    ...(options.create ? { expectedVersion: '0' } : {}),
  });
  return info.version;
}

function report(cli: Cli, steps: SecretStep[], policies: PolicyStep[], dryRun: boolean): void {
  const word = (action: SecretAction | PolicyAction) => (dryRun ? action : PAST[action]);
  cli.print(
    formatTable(
      cli,
      ['ENVIRONMENT', 'SECRET', dryRun ? 'PLAN' : 'DONE', 'VERSION'],
      steps.map((s) => [s.environment, s.name, word(s.action), s.version ?? '']),
    ),
  );
  if (policies.length) {
    cli.print();
    cli.print(
      formatTable(
        cli,
        ['ENVIRONMENT', 'POLICY', dryRun ? 'PLAN' : 'DONE'],
        policies.map((p) => [p.environment, p.name, word(p.action)]),
      ),
    );
  }
  const count = (a: SecretAction) => steps.filter((s) => s.action === a).length;
  cli.note(
    dryRun
      ? `dry run: ${count('create')} to create, ${count('replace')} to replace, ${count('keep')} to keep; nothing written`
      : `${cli.colors.green('✓')} ${count('create')} created, ${count('replace')} replaced, ${count('keep')} kept (values not shown)`,
  );
}

/** The lines an application's hush.config.yaml needs: its environments, and its secrets by name. */
function configFor(
  app: string,
  environments: string[],
  secrets: string[],
  kind: string,
  name: string,
): string {
  const lines = [
    `# hush.config.yaml for ${app}: the provider's options (address, credentials from the environment) as here`,
    'environments:',
  ];
  for (const env of environments) {
    lines.push(`  ${env}:`, '    providers:', `      - kind: ${kind}`);
    if (name !== kind) lines.push(`        name: ${name}`);
  }
  lines.push(`# ${app} reads, in each environment ENV:`);
  for (const secret of secrets) lines.push(`#   \${secret:${app}/ENV/${secret}}`);
  return lines.join('\n');
}

function words(list: string, option: string): string[] {
  const items = list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${option} needs a comma-separated list`);
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice) throw new UsageError(`${option} names '${twice}' twice`);
  return items;
}
