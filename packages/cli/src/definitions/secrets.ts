import { collect, type Definitions, lazy, SCOPE_HELP } from '../action.js';
import { examples } from '../help.js';

/** The secrets themselves: create, read, write, list, version, rotate. */
export const secretCommands: Definitions = {
  init: (sub) => {
    sub('init', 'create hush.config.yaml, .hush/ and a master key (idempotent)').action(
      lazy(() => import('../commands/init.js')),
    );
  },
  get: (sub) => {
    examples(
      sub('get', 'print a secret value (followed by one newline)')
        .argument('<name>', 'secret name (name#field for a field of a JSON secret)')
        .option('--version <n>', 'a specific version')
        .option('--field <field>', 'one field of a JSON secret (dot path)')
        .option('--provider <name>', 'read from this provider only')
        .option('--scope <scope>', SCOPE_HELP)
        .option('--binary', 'write the bytes of a value stored with set --binary, exactly')
        .option('--previous', 'the version a rotation replaced, during its --keep-previous grace period')
        .action(lazy(() => import('../commands/get.js'))),
      [
        'DB_URL=$(hush get db/url)',
        'hush get db/creds --field password',
        'hush get api-key --version 2 --json      the whole record, value included',
      ],
    );
  },
  set: (sub) => {
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
        .action(lazy(() => import('../commands/set.js'))),
      [
        'hush set db/url                          asks for the value (hidden)',
        'printf %s "$TOKEN" | hush set api-token --tag team=web --expires 90d',
        'hush set api-key --tag rotation=30d < key.txt',
      ],
    );
  },
  list: (sub) => {
    examples(
      sub('list', 'list secrets: names and metadata, never values')
        .option('--pattern <glob>', "names matching a glob ('api-*', 'db/**')")
        .option('--prefix <prefix>', 'names starting with this')
        .option('--tag <key=value>', 'only secrets with this tag (repeatable)', collect)
        .option('--provider <name>', 'one provider only')
        .option('--expiring <duration>', "only secrets expiring within this duration ('30d')")
        .option('--include-expired', 'also list expired secrets')
        .option('--scope <scope>', 'only secrets of this scope (global, plugin, agent, user)')
        .action(lazy(() => import('../commands/list.js'))),
      ["hush list --pattern 'api-*' --tag team=web", 'hush list --expiring 30d --json'],
    );
  },
  delete: (sub) => {
    sub('delete', 'delete a secret and its versions (asks unless --yes)')
      .argument('<name>', 'secret name')
      .option('-y, --yes', 'do not ask')
      .option('--provider <name>', 'delete from this provider')
      .option('--scope <scope>', SCOPE_HELP)
      .action(lazy(() => import('../commands/delete.js')));
  },
  versions: (sub) => {
    sub('versions', "list a secret's versions")
      .argument('<name>', 'secret name')
      .option('--provider <name>', 'one provider only')
      .option('--scope <scope>', SCOPE_HELP)
      .action(lazy(() => import('../commands/versions.js')));
  },
  rollback: (sub) => {
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
        .action(lazy(() => import('../commands/rollback.js'))),
      ['hush versions api-key && hush rollback api-key --to 1'],
    );
  },
  rotate: (sub) => {
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
        .action(lazy(() => import('../commands/rotate.js'))),
      [
        'hush rotate api-key --generate random:48 --expire-old',
        'hush rotate session-id --generate uuid',
        'hush rotate --due                        e.g. from cron',
        'hush rotate --due --watch --interval 1h --keep-previous 1h',
      ],
    );
  },
};
