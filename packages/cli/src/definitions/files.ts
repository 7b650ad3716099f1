import { Option } from 'commander';
import { type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';
import { RUN_TIMING_DEFAULTS } from '../run/defaults.js';

/** Secrets handed to applications and files: run, render, import, export, setup-app. */
export const fileCommands: Definitions = {
  run: (sub) => {
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
        .option(
          '--watch-interval <duration>',
          'with --watch: how often remote providers are polled',
          RUN_TIMING_DEFAULTS.watchInterval,
        )
        .option(
          '--grace <duration>',
          'with --watch: time between the stop signal and SIGKILL',
          RUN_TIMING_DEFAULTS.grace,
        )
        .option(
          '--signal <signal>',
          'with --watch: the signal that stops the command',
          RUN_TIMING_DEFAULTS.signal,
        )
        .option(
          '--reload-signal <signal>',
          'with --watch: only send this signal (a command that reloads in place)',
        )
        .option(
          '--backoff <duration>',
          'with --watch: first delay before restarting a command that failed',
          RUN_TIMING_DEFAULTS.backoff,
        )
        .passThroughOptions()
        .action(lazy(() => import('../commands/run.js'))),
      [
        'hush run -- node server.js               db/url becomes DB_URL',
        'hush run --env staging --prefix app/ -- npm test',
        'hush run --map env-map.yaml -- ./deploy.sh',
        'hush run --watch -- node server.js       restarted when a secret changes',
        'hush run --mount -- ./app                files in $HUSH_SECRETS_DIR, not in the environment',
      ],
    );
  },
  render: (sub) => {
    examples(
      sub('render', 'resolve ${secret:...} references in a file')
        .argument('<template>', 'any text file (YAML, JSON, .env, ...)')
        .option('-o, --output <file>', 'write here (mode 0600) instead of stdout')
        .option('--watch', 'render again when a referenced secret changes (needs -o)')
        .option('--watch-interval <duration>', 'with --watch: how often remote providers are polled', '30s')
        .option('--exec <command>', 'with --watch: run this (through sh) after each re-render')
        .action(lazy(() => import('../commands/render.js'))),
      [
        'hush render config.template.yaml -o config.yaml',
        "hush render nginx.conf.tpl -o nginx.conf --watch --exec 'nginx -s reload'",
      ],
    );
  },
  import: (sub) => {
    examples(
      sub('import', 'import secrets from a .env, JSON or YAML file')
        .argument('<file>', '.env (dotenv), .json or .yaml/.yml')
        .option('--provider <name>', 'write to this provider')
        .option('--prefix <prefix>', "prepend to every name (e.g. 'app/')")
        .option('--dry-run', 'show what would be written')
        .option('--allow-empty', 'store empty values too (skipped by default, as `hush set` refuses them)')
        .action(lazy(() => import('../commands/import.js'))),
      ['hush import .env --dry-run && hush import .env && rm .env', 'hush import secrets.yaml --prefix app/'],
    );
  },
  export: (sub) => {
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
        .action(lazy(() => import('../commands/export.js'))),
      [
        'hush export --format yaml                values shown as ***',
        'hush export --reveal -o .env.local',
        'hush export --format k8s-secret --reveal --name app-secrets | kubectl apply -f -',
        'hush export --format external-secret --store vault --refresh 1h | kubectl apply -f -',
      ],
    );
  },
  'setup-app': (sub) => {
    examples(
      sub(
        'setup-app',
        "set an application's secrets up across environments (generated values, never printed)",
      )
        .argument('<app>', 'application name: secrets are APP/ENV/NAME')
        .requiredOption('--environments <list>', 'comma-separated environments (dev,staging,prod)')
        .requiredOption('--secrets <list>', 'comma-separated secret names (db-password,api-key)')
        .option('--generate <spec>', 'generator: random:32, random:24:hex, uuid (default random:32)')
        .option('--rotation <period>', "rotation period tag, as `hush rotate --due` reads it ('30d')")
        .option('--provider <name>', "write to this provider (default: the environment's write provider)")
        .option('--force', 'replace the values of secrets that exist (new versions)')
        .option('--dry-run', 'show the plan, write nothing')
        .action(lazy(() => import('../commands/setup-app.js'))),
      [
        'hush setup-app myapp --environments dev,staging,prod --secrets db-password,api-key,jwt-secret --rotation 30d',
        'hush setup-app myapp --environments dev --secrets session-id --generate uuid --dry-run',
      ],
    );
  },
};
