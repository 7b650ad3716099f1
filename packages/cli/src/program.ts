import { Command, Option } from 'commander';
import { version } from '../package.json';
import { Cli, globalOptions } from './context.js';
import { writeJsonError } from './errors.js';
import { examples, PROGRAM_HELP_AFTER, subcommandTerm } from './help.js';

/** A command's module: its default export runs it. */
export type CommandModule = {
  default: (cli: Cli, args: any, options: any, command: Command) => Promise<void>;
};

/** Set when a command starts, so that errors can be scrubbed with its manager's masker. */
export const state: { cli?: Cli } = {};

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Global options, accepted before the command name and after it. */
function addGlobals(command: Command, group?: string): Command {
  const options = [
    new Option(
      '-c, --config <file>',
      'configuration file (default: the nearest hush.config.yaml|yml|json; env HUSH_CONFIG)',
    ),
    new Option('-e, --env <name>', 'environment of the configuration (env HUSH_ENV)'),
    new Option('--as <accessor>', 'who is acting, for audit and access control (env HUSH_ACCESSOR)'),
    new Option('--json', 'machine-readable output (env HUSH_JSON=1)'),
    new Option('-q, --quiet', 'no progress or confirmation messages (env HUSH_QUIET=1)'),
    new Option('--no-color', 'no colours (env NO_COLOR or HUSH_NO_COLOR=1)'),
    new Option('--debug', 'stack traces on errors (env HUSH_DEBUG=1)'),
    new Option(
      '--offline',
      'no network call: remote providers answer from the persistent cache (env HUSH_OFFLINE=1)',
    ),
  ];
  for (const option of options) {
    // A command may define a global option its own way (`diff --env` is repeatable).
    if (option.long && command.options.some((o) => o.long === option.long)) continue;
    command.addOption(group ? option.helpGroup(group) : option);
  }
  return command;
}

/** Access control checks an operation within a scope; grants in other scopes do not apply. */
const SCOPE_HELP = 'act within this scope (global, plugin, agent, user) for access control';

/** Merges the program's and the command's options; a value given on the command line wins over a default. */
function mergedOptions(command: Command): Record<string, unknown> {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    const opts = c.opts();
    for (const [key, value] of Object.entries(opts)) {
      const source = c.getOptionValueSource(key);
      if (merged[key] === undefined || (source !== undefined && source !== 'default')) merged[key] = value;
    }
  }
  return merged;
}

function lazy(load: () => Promise<CommandModule>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const positional = args.slice(0, -2);
    const options = mergedOptions(command);
    const cli = new Cli(globalOptions(options));
    state.cli = cli;
    const mod = await load();
    try {
      await mod.default(cli, positional, options, command);
    } finally {
      await cli.dispose();
    }
  };
}

export function buildProgram(settings: { json?: boolean } = {}): Command {
  const program = new Command('hush');
  program
    .description('hush: secrets for applications and operators')
    .usage('<command> [options]')
    .version(version, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .configureHelp({ subcommandTerm })
    .configureOutput({
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trim();
        if (settings.json)
          writeJsonError('USAGE', message, 'run hush --help for the commands and their options');
        else write(`hush: ${message}\n`);
      },
    })
    .addHelpText('after', PROGRAM_HELP_AFTER)
    .exitOverride();
  addGlobals(program);

  const sub = (name: string, description: string): Command => program.command(name).description(description);

  program.commandsGroup('Secrets:');

  sub('init', 'create hush.config.yaml, .hush/ and a master key (idempotent)').action(
    lazy(() => import('./commands/init.js')),
  );

  examples(
    sub('get', 'print a secret value (followed by one newline)')
      .argument('<name>', 'secret name (name#field for a field of a JSON secret)')
      .option('--version <n>', 'a specific version')
      .option('--field <field>', 'one field of a JSON secret (dot path)')
      .option('--provider <name>', 'read from this provider only')
      .option('--scope <scope>', SCOPE_HELP)
      .option('--binary', 'write the bytes of a value stored with set --binary, exactly')
      .option('--previous', 'the version a rotation replaced, during its --keep-previous grace period')
      .action(lazy(() => import('./commands/get.js'))),
    [
      'DB_URL=$(hush get db/url)',
      'hush get db/creds --field password',
      'hush get api-key --version 2 --json      the whole record, value included',
    ],
  );

  examples(
    sub('set', 'store a secret (value from stdin, else a hidden prompt)')
      .argument('<name>', 'secret name')
      .option('--tag <key=value>', 'a tag (repeatable)', collect)
      .option('--metadata <key=value>', 'a metadata entry (repeatable)', collect)
      .option('--expires <when>', "expiry: a duration from now ('90d') or an ISO date")
      .option('--scope <scope>', 'isolation scope (global, plugin, agent, user)')
      .option('--provider <name>', 'write to this provider')
      .option('--value <value>', 'the value itself (warned: it stays in shell history; prefer stdin)')
      .option('--allow-empty', 'accept an empty value')
      .option('--binary', 'store the bytes on stdin exactly, as base64 (metadata encoding=base64)')
      .action(lazy(() => import('./commands/set.js'))),
    [
      'hush set db/url                          asks for the value (hidden)',
      'printf %s "$TOKEN" | hush set api-token --tag team=web --expires 90d',
      'hush set api-key --tag rotation=30d < key.txt',
    ],
  );

  examples(
    sub('list', 'list secrets: names and metadata, never values')
      .option('--pattern <glob>', "names matching a glob ('api-*', 'db/**')")
      .option('--prefix <prefix>', 'names starting with this')
      .option('--tag <key=value>', 'only secrets with this tag (repeatable)', collect)
      .option('--provider <name>', 'one provider only')
      .option('--expiring <duration>', "only secrets expiring within this duration ('30d')")
      .option('--include-expired', 'also list expired secrets')
      .option('--scope <scope>', 'only secrets of this scope (global, plugin, agent, user)')
      .action(lazy(() => import('./commands/list.js'))),
    ["hush list --pattern 'api-*' --tag team=web", 'hush list --expiring 30d --json'],
  );

  sub('delete', 'delete a secret and its versions (asks unless --yes)')
    .argument('<name>', 'secret name')
    .option('-y, --yes', 'do not ask')
    .option('--provider <name>', 'delete from this provider')
    .option('--scope <scope>', SCOPE_HELP)
    .action(lazy(() => import('./commands/delete.js')));

  sub('versions', "list a secret's versions")
    .argument('<name>', 'secret name')
    .option('--provider <name>', 'one provider only')
    .option('--scope <scope>', SCOPE_HELP)
    .action(lazy(() => import('./commands/versions.js')));

  examples(
    sub('rollback', 'make an older version current again (as a new version)')
      .argument('<name>', 'secret name')
      .requiredOption('--to <version>', 'the version to restore')
      .option(
        '--expires <when>',
        'expiry of the restored value (default: a new period as long as the current one)',
      )
      .option('--provider <name>', 'the provider holding it')
      .option('--scope <scope>', SCOPE_HELP)
      .action(lazy(() => import('./commands/rollback.js'))),
    ['hush versions api-key && hush rollback api-key --to 1'],
  );

  examples(
    sub('rotate', 'write a new generated value; --due rotates what its rotation tag says is due')
      .argument('[name]', 'secret name (omit with --due)')
      .option('--generate <spec>', 'generator: random:32, random:24:hex, uuid (default random:32)')
      .option('--value-stdin', 'read the new value from stdin instead of generating one')
      .option('--expire-old', 'stop serving older versions')
      .option(
        '--expires <when>',
        'expiry of the new version (default: a new period as long as the current one)',
      )
      .option(
        '--due',
        "rotate every secret whose rotation period (its 'rotation' tag, or schema:) has passed since its last update",
      )
      .option('--dry-run', 'with --due: list what would be rotated')
      .option('--watch', 'with --due: check again every --interval until stopped (SIGTERM, Ctrl-C)')
      .option('--interval <duration>', 'with --watch: time between checks (default 1h)')
      .option(
        '--keep-previous <duration>',
        'keep the replaced version readable this long (get --previous, ${secret:name@previous})',
      )
      .option('--provider <name>', 'the provider to rotate in')
      .option('--scope <scope>', SCOPE_HELP)
      .action(lazy(() => import('./commands/rotate.js'))),
    [
      'hush rotate api-key --generate random:48 --expire-old',
      'hush rotate session-id --generate uuid',
      'hush rotate --due                        e.g. from cron',
      'hush rotate --due --watch --interval 1h --keep-previous 1h',
    ],
  );

  examples(
    sub(
      'agent',
      'serve the configured manager to every process of this host (one cache, one set of credentials)',
    )
      .option(
        '--socket <path>',
        'Unix socket, created 0600 in a 0700 folder (default $XDG_RUNTIME_DIR/hush/agent.sock)',
      )
      .option('--no-socket', 'no Unix socket (then --listen is needed)')
      .option('--listen <host:port>', 'also listen on loopback TCP; every request needs the token header')
      .option(
        '--token-file <path>',
        "where --listen's token is written, 0600 (default: agent.token beside the socket)",
      )
      .option('--allow-writes', 'proxy set, delete, rotate and rollback (off by default)')
      .action(lazy(() => import('./commands/agent.js'))),
    [
      'hush agent --env prod                    SIGHUP reloads, SIGTERM stops',
      'hush agent --listen 127.0.0.1:2773      also on loopback, with a token',
    ],
  );

  examples(
    sub('mcp', 'an MCP server on stdio for AI agents: tokens for secrets, never values')
      .addOption(
        new Option(
          '--approve-writes <mode>',
          'set_secret and rotate_secret: never, prompt (on the terminal), always',
        )
          .choices(['never', 'prompt', 'always'])
          .default('prompt'),
      )
      .option(
        '--allow-agent-values',
        "let set_secret take a value from the agent's text (off: generated values only)",
      )
      .option('--token-ttl <duration>', 'how long a token resolves (default 1h; never past the session)')
      .action(lazy(() => import('./commands/mcp.js'))),
    ['claude mcp add hush -- hush mcp --env dev', 'hush mcp --approve-writes never'],
  );

  sub('health', "each provider's status and latency (exit 5 when the chain is down)")
    .option('--strict', 'exit 5 also when only some providers are down (degraded)')
    .action(lazy(() => import('./commands/health.js')));

  const lease = sub('lease', 'leases of dynamic secrets (Vault): list, renew, revoke');
  const leaseAction = (action: 'list' | 'renew' | 'revoke') =>
    lazy(async () => {
      const mod = await import('./commands/lease.js');
      return { default: (cli, [id], options) => mod.default(cli, [action, id], options) };
    });
  examples(
    lease
      .command('list')
      .description("the backend's leases (Vault: needs sudo on sys/leases/lookup)")
      .option('--prefix <prefix>', "only leases whose id starts with this ('database/creds/app/')")
      .option('--provider <name>', 'the provider to ask (default: the one that has leases)')
      .action(leaseAction('list')),
    ['hush lease list --prefix database/creds/app/ --json'],
  );
  lease
    .command('renew')
    .description('extend a lease now')
    .argument('<lease-id>', 'the lease id, as `hush lease list` shows it')
    .option('--increment <duration>', "ask for this much more time ('1h'; default: the role's TTL)")
    .option('--provider <name>', 'the provider holding it')
    .action(leaseAction('renew'));
  lease
    .command('revoke')
    .description('end a lease now (the credential stops working), or every lease under --prefix')
    .argument('[lease-id]', 'the lease id')
    .option(
      '--prefix <prefix>',
      "every lease under this path instead ('database/creds/app'; Vault: needs sudo)",
    )
    .option('--provider <name>', 'the provider holding it')
    .action(leaseAction('revoke'));

  const policy = sub('policy', 'access policies at the backend (Vault ACL policies, AWS resource policies)');
  const policyAction = (action: 'set' | 'get' | 'list' | 'delete') =>
    lazy(async () => {
      const mod = await import('./commands/policy.js');
      return {
        default: (cli, [name, file], options) => mod.default(cli, [action, name, file], options),
      };
    });
  examples(
    policy
      .command('set')
      .description('write a policy from a file (Vault: HCL; AWS: the JSON resource policy of secret NAME)')
      .argument('<name>', 'policy name (AWS: the secret it belongs to)')
      .argument('<file>', 'FILE.hcl for Vault, FILE.json for AWS')
      .option('--provider <name>', 'the provider to write it to (default: the one that has policies)')
      .action(policyAction('set')),
    [
      'hush policy set app-dev-read app-dev-read.hcl',
      'hush policy set --provider aws db/password policy.json',
    ],
  );
  policy
    .command('get')
    .description("print a policy's document")
    .argument('<name>', 'policy name (AWS: the secret)')
    .option('--provider <name>', 'the provider holding it')
    .action(policyAction('get'));
  policy
    .command('list')
    .description("the policies' names (Vault)")
    .option('--provider <name>', 'the provider to ask')
    .action(policyAction('list'));
  policy
    .command('delete')
    .description('remove a policy')
    .argument('<name>', 'policy name (AWS: the secret)')
    .option('--provider <name>', 'the provider holding it')
    .action(policyAction('delete'));

  const notify = sub('notify', 'notices and alerts (notifications:): webhook, command, log');
  examples(
    notify
      .command('test')
      .description('send a notify.test notice to every configured sink and report each delivery')
      .action(lazy(() => import('./commands/notify-test.js'))),
    ['hush notify test', 'hush notify test --json'],
  );

  const cache = sub('cache', 'the persistent cache (cache.persistent): its entries, and clearing them');
  examples(
    cache
      .command('status')
      .description('entries of the persistent cache: names, versions, providers and ages, never values')
      .action(lazy(() => import('./commands/cache-status.js'))),
    ['hush cache status', 'hush cache status --json'],
  );
  examples(
    cache
      .command('clear')
      .description('drop every entry of the persistent cache, or those of one secret')
      .argument('[name]', 'only this secret')
      .action(lazy(() => import('./commands/cache-clear.js'))),
    ['hush cache clear', 'hush cache clear db/password'],
  );

  program.commandsGroup('Applications and files:');

  examples(
    sub('run', 'run a command with secrets in its environment, its output masked')
      .usage('[options] -- <command> [args...]')
      .argument('<command...>', 'the command and its arguments, after --')
      .option('--prefix <prefix>', 'only secrets under this prefix (removed from variable names)')
      .option('--provider <name>', 'only the secrets of this provider')
      .option('--map <file>', 'a YAML/JSON file of ENV_VAR: secret-name[#field]')
      .option('--no-mask', 'do not mask secret values in the output')
      .option('--no-tty', 'pipes for the command even when hush runs on a terminal (no pseudo-terminal)')
      .option('--keep-master-key', 'pass HUSH_MASTER_KEY on to the command (removed by default)')
      .option('--mount [dir]', 'secrets as files (0400) in a private folder, its path in HUSH_SECRETS_DIR')
      .option('--env-too', 'with --mount: in the environment as well')
      .option('--watch', 'start the command again when its secrets change')
      .option('--watch-interval <duration>', 'with --watch: how often remote providers are polled', '30s')
      .option('--grace <duration>', 'with --watch: time between the stop signal and SIGKILL', '10s')
      .option('--signal <signal>', 'with --watch: the signal that stops the command', 'SIGTERM')
      .option(
        '--reload-signal <signal>',
        'with --watch: only send this signal (a command that reloads in place)',
      )
      .option(
        '--backoff <duration>',
        'with --watch: first delay before restarting a command that failed',
        '1s',
      )
      .passThroughOptions()
      .action(lazy(() => import('./commands/run.js'))),
    [
      'hush run -- node server.js               db/url becomes DB_URL',
      'hush run --env staging --prefix app/ -- npm test',
      'hush run --map env-map.yaml -- ./deploy.sh',
      'hush run --watch -- node server.js       restarted when a secret changes',
      'hush run --mount -- ./app                files in $HUSH_SECRETS_DIR, not in the environment',
    ],
  );

  examples(
    sub('render', 'resolve ${secret:...} references in a file')
      .argument('<template>', 'any text file (YAML, JSON, .env, ...)')
      .option('-o, --output <file>', 'write here (mode 0600) instead of stdout')
      .option('--watch', 'render again when a referenced secret changes (needs -o)')
      .option('--watch-interval <duration>', 'with --watch: how often remote providers are polled', '30s')
      .option('--exec <command>', 'with --watch: run this (through sh) after each re-render')
      .action(lazy(() => import('./commands/render.js'))),
    [
      'hush render config.template.yaml -o config.yaml',
      "hush render nginx.conf.tpl -o nginx.conf --watch --exec 'nginx -s reload'",
    ],
  );

  examples(
    sub('import', 'import secrets from a .env, JSON or YAML file')
      .argument('<file>', '.env (dotenv), .json or .yaml/.yml')
      .option('--provider <name>', 'write to this provider')
      .option('--prefix <prefix>', "prepend to every name (e.g. 'app/')")
      .option('--dry-run', 'show what would be written')
      .option('--allow-empty', 'store empty values too (skipped by default, as `hush set` refuses them)')
      .action(lazy(() => import('./commands/import.js'))),
    ['hush import .env --dry-run && hush import .env && rm .env', 'hush import secrets.yaml --prefix app/'],
  );

  examples(
    sub('export', 'export secrets as dotenv, JSON, YAML or a Kubernetes Secret (masked unless --reveal)')
      .addOption(
        new Option('--format <format>', 'output format (default: dotenv; json with --json)').choices([
          'dotenv',
          'json',
          'yaml',
          'k8s-secret',
          'external-secret',
        ]),
      )
      .option('--reveal', 'write the real values')
      .option('-o, --output <file>', 'write here (mode 0600) instead of stdout')
      .option('--pattern <glob>', 'only names matching a glob')
      .option('--prefix <prefix>', 'only names starting with this')
      .option('--provider <name>', 'one provider only')
      .option('--map <file>', 'a YAML/JSON file of KEY: secret-name[#field] naming the keys yourself')
      .option(
        '--name <name>',
        'metadata.name of the Kubernetes Secret (and of the ExternalSecret)',
        'hush-secrets',
      )
      .option('--store <name>', 'external-secret: name of the SecretStore (default hush-<provider>)')
      .option('--refresh <duration>', "external-secret: how often ESO re-reads the backend (default '1h')")
      .option('--cluster', 'external-secret: a ClusterSecretStore instead of a namespaced SecretStore')
      .option('--namespace <namespace>', 'external-secret: metadata.namespace of the manifests')
      .action(lazy(() => import('./commands/export.js'))),
    [
      'hush export --format yaml                values shown as ***',
      'hush export --reveal -o .env.local',
      'hush export --format k8s-secret --reveal --name app-secrets | kubectl apply -f -',
      'hush export --format external-secret --store vault --refresh 1h | kubectl apply -f -',
    ],
  );

  examples(
    sub('setup-app', "set an application's secrets up across environments (generated values, never printed)")
      .argument('<app>', 'application name: secrets are APP/ENV/NAME')
      .requiredOption('--environments <list>', 'comma-separated environments (dev,staging,prod)')
      .requiredOption('--secrets <list>', 'comma-separated secret names (db-password,api-key)')
      .option('--generate <spec>', 'generator: random:32, random:24:hex, uuid (default random:32)')
      .option('--rotation <period>', "rotation period tag, as `hush rotate --due` reads it ('30d')")
      .option('--provider <name>', "write to this provider (default: the environment's write provider)")
      .option('--force', 'replace the values of secrets that exist (new versions)')
      .option('--dry-run', 'show the plan, write nothing')
      .action(lazy(() => import('./commands/setup-app.js'))),
    [
      'hush setup-app myapp --environments dev,staging,prod --secrets db-password,api-key,jwt-secret --rotation 30d',
      'hush setup-app myapp --environments dev --secrets session-id --generate uuid --dry-run',
    ],
  );

  program.commandsGroup('Migration and keys:');

  examples(
    sub('copy', 'copy secrets between two providers of the environment (migration)')
      .requiredOption('--from <provider>', 'source provider')
      .requiredOption('--to <provider>', 'target provider')
      .option('--pattern <glob>', 'only names matching a glob')
      .option('--verify', 're-read both sides afterwards and compare')
      .option('--dry-run', 'show what would be copied')
      .option('--overwrite', 'replace secrets that exist in the target with a different value')
      .action(lazy(() => import('./commands/copy.js'))),
    ['hush copy --from local --to vault --dry-run', 'hush copy --from local --to vault --verify'],
  );

  examples(
    sub('rekey', 'new master key or passphrase for the local store (re-encrypts every version)')
      .option('--provider <name>', 'the local provider to rekey (default: the first local one)')
      .option('--passphrase', 'protect it with a new passphrase (from stdin, else asked twice)')
      .option('--master-key', 'protect it with a new random master key')
      .action(lazy(() => import('./commands/rekey.js'))),
    [
      'hush rekey                    a new .hush/master.key (for every store it opens)',
      'hush rekey                    a passphrase store: asks for the new passphrase twice',
      'printf %s "$NEW" | hush rekey --passphrase',
      'hush rekey --master-key       from a passphrase to a new random key',
    ],
  );

  sub('keygen', 'print a new random master key (base64 of 32 bytes)').action(
    lazy(() => import('./commands/keygen.js')),
  );

  sub('reseal', 'accept the local store as it is now (after a git merge) and sign it again')
    .option('--provider <name>', 'the local provider (default: the first local one)')
    .option('-y, --yes', 'do not ask')
    .action(lazy(() => import('./commands/reseal.js')));

  program.commandsGroup('Operations and CI:');

  examples(
    sub('diff', 'compare two providers or two environments name by name (values never shown)')
      .option('--from <provider>', 'one side: a provider (of each environment with two --env)')
      .option('--to <provider>', 'the other side: a provider')
      .option('-e, --env <name>', 'environment; give it twice to compare two environments', collect)
      .option('--pattern <glob>', 'only names matching a glob')
      .option('--ignore <names...>', 'names or globs to leave out')
      .option('--map <file>', 'a YAML/JSON file of name-on-from: name-on-to (renamed keys)')
      .option('--rename <from=to>', 'one renamed key (repeatable)', collect)
      .action(lazy(() => import('./commands/diff.js'))),
    [
      'hush diff --from local --to vault        exit 0 same, 1 different, 5 a side unreachable',
      'hush diff --env staging --env prod --ignore debug/token --json',
      'hush diff --env dev --env prod --rename db/url=database/url',
    ],
  );

  examples(
    sub('sync', 'make one provider hold what another holds: plan, apply, verify (idempotent)')
      .requiredOption('--from <provider>', 'source provider')
      .requiredOption('--to <provider>', 'target provider')
      .option('--pattern <glob>', 'only names matching a glob')
      .option('--prune', 'also delete from the target what the source does not have')
      .option('--dry-run', 'show the plan only')
      .action(lazy(() => import('./commands/sync.js'))),
    [
      'hush sync --from local --to vault --dry-run',
      'hush sync --from vault --to aws --pattern "app/**" --prune',
    ],
  );

  examples(
    sub('scan', 'look for secret values and their encodings in files and git history (never printed)')
      .argument('[paths...]', 'files or folders (default: the working tree, as .gitignore leaves it)')
      .option('--git', 'also every commit of the history (all refs)')
      .option('--staged', 'the staged changes only (what the pre-commit hook runs)')
      .option('--baseline <file>', 'accepted findings (fingerprints only): not reported again')
      .option(
        '--update-baseline',
        `write every finding to the baseline (--baseline, default ${'.hush-scan-baseline.json'})`,
      )
      .addOption(
        new Option('--format <format>', 'report format (default: text; json with --json)').choices([
          'text',
          'json',
          'sarif',
        ]),
      )
      .option('-o, --output <file>', 'write the report here instead of stdout')
      .option('--include-binary', 'scan binary files too (skipped by default)')
      .option('--min-length <n>', 'shortest value looked for', '6')
      .option('--install-hook', 'add a git pre-commit hook that runs hush scan --staged')
      .action(lazy(() => import('./commands/scan.js'))),
    [
      'hush scan                                exit 1 when a value is found',
      'hush scan --git --format sarif -o hush.sarif',
      'hush scan --update-baseline && git add .hush-scan-baseline.json',
      'hush scan --baseline .hush-scan-baseline.json --install-hook',
    ],
  );

  examples(
    sub(
      'check',
      "verify the secrets the configuration's schema: declares (exit 1 listing every failure)",
    ).action(lazy(() => import('./commands/check.js'))),
    ['hush check --env prod                    before a deploy', 'hush check --json'],
  );

  examples(
    sub('types', 'TypeScript declarations of the schema: for defineSecrets() (names checked at compile time)')
      .option('-o, --output <file>', 'write here (e.g. hush.d.ts) instead of stdout')
      .action(lazy(() => import('./commands/types.js'))),
    ['hush types -o src/hush.d.ts'],
  );

  examples(
    sub('report', 'what is due: expiring, not rotated, past its rotation period, repeated failed reads')
      .option('--expiring <duration>', 'secrets expiring within this window (default 30d)')
      .option('--not-rotated <duration>', 'secrets unchanged for longer than this (default 90d)')
      .option('--rotation-due', "secrets past their declared rotation period (schema: or a 'rotation' tag)")
      .option(
        '--failed-access <duration>',
        'accessors with repeated failed reads in this window, from the audit log (default 24h)',
      )
      .option('--threshold <n>', 'failed reads an accessor may have in the window before it is reported', '5')
      .option('--at <date>', 'report as of this ISO date instead of now (what will be due then)')
      .option('--strict', 'exit 1 when anything is due')
      .action(lazy(() => import('./commands/report.js'))),
    [
      'hush report                              every query with its default window',
      'hush report --expiring 7d --strict       e.g. from a nightly CI job',
      'hush report --failed-access 24h --json',
    ],
  );

  program.commandsGroup('Audit and access control:');

  examples(
    sub('audit', 'query the audit log')
      .argument('[name]', 'only this secret')
      .option('--accessor <accessor>', 'only this accessor')
      .option('--failed-only', 'only failures (not found, denied, errors)')
      .option('--since <duration>', "only entries newer than this ('24h', '7d')")
      .option('--limit <n>', 'most entries', '100')
      .action(lazy(() => import('./commands/audit.js'))),
    ['hush audit --since 24h --failed-only', 'hush audit db/url --accessor ci-bot --json'],
  );

  examples(
    sub('grant', 'grant a permission (read, write, delete, rotate, audit, admin) on a name or glob')
      .argument('<name>', 'secret name or glob pattern')
      .argument('<accessor>', 'who receives it')
      .argument('<permission>', 'read, write, delete, rotate, audit or admin')
      .option('--scope <scope>', 'global, plugin, agent or user', 'global')
      .option('--expires <when>', "expiry: '30d' or an ISO date")
      .action(lazy(() => import('./commands/grant.js'))),
    ["hush grant 'api-*' ci-bot read --expires 30d"],
  );

  sub('revoke', 'revoke grants')
    .argument('<name>', 'secret name or glob pattern, as granted')
    .argument('<accessor>', 'whose grants')
    .argument('[permission]', 'only this permission (default: all)')
    .option('--scope <scope>', 'only grants in this scope')
    .action(lazy(() => import('./commands/revoke.js')));

  sub('permissions', 'list grants (those that apply to NAME when given)')
    .argument('[name]', 'secret name or pattern')
    .option('--accessor <accessor>', 'only this accessor')
    .option('--include-expired', 'also list expired grants')
    .action(lazy(() => import('./commands/permissions.js')));

  program.commandsGroup('Shell:');

  examples(
    sub('completion', 'print a completion script for bash, zsh or fish')
      .argument('[shell]', 'bash, zsh or fish')
      .addOption(
        new Option('--list <kind>', 'names the scripts complete from')
          .choices(['environments', 'providers', 'secrets'])
          .hideHelp(),
      )
      .action(lazy(() => import('./commands/completion.js'))),
    [
      'source <(hush completion bash)             in ~/.bashrc',
      'source <(hush completion zsh)              in ~/.zshrc',
      'hush completion fish > ~/.config/fish/completions/hush.fish',
    ],
  );

  // After each command's own options, so that they come first in `hush <command> --help`.
  const withGlobals = (commands: readonly Command[]): void => {
    for (const command of commands) {
      addGlobals(command, 'Global options:');
      withGlobals(command.commands);
    }
  };
  withGlobals(program.commands);
  return program;
}
