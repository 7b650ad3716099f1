import { Option } from 'commander';
import { collect, type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';

/** Operations and CI: comparisons, syncs, scans, checks and reports. */
export const operationCommands: Definitions = {
  diff: (sub) => {
    examples(
      sub('diff', 'compare two providers or two environments name by name (values never shown)')
        .option('--from <provider>', 'one side: a provider (of each environment with two --env)')
        .option('--to <provider>', 'the other side: a provider')
        .option('-e, --env <name>', 'environment; give it twice to compare two environments', collect)
        .option('--pattern <glob>', 'only names matching a glob')
        .option('--ignore <names...>', 'names or globs to leave out')
        .option('--map <file>', 'a YAML/JSON file of name-on-from: name-on-to (renamed keys)')
        .option('--rename <from=to>', 'one renamed key (repeatable)', collect)
        .action(lazy(() => import('../commands/diff.js'))),
      [
        'hush diff --from local --to vault        exit 0 same, 1 different, 5 a side unreachable',
        'hush diff --env staging --env prod --ignore debug/token --json',
        'hush diff --env dev --env prod --rename db/url=database/url',
      ],
    );
  },
  sync: (sub) => {
    examples(
      sub('sync', 'make one provider hold what another holds: plan, apply, verify (idempotent)')
        .requiredOption('--from <provider>', 'source provider')
        .requiredOption('--to <provider>', 'target provider')
        .option('--pattern <glob>', 'only names matching a glob')
        .option('--prune', 'also delete from the target what the source does not have')
        .option('--dry-run', 'show the plan only')
        .action(lazy(() => import('../commands/sync.js'))),
      [
        'hush sync --from local --to vault --dry-run',
        'hush sync --from vault --to aws --pattern "app/**" --prune',
      ],
    );
  },
  scan: (sub) => {
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
        .action(lazy(() => import('../commands/scan.js'))),
      [
        'hush scan                                exit 1 when a value is found',
        'hush scan --git --format sarif -o hush.sarif',
        'hush scan --update-baseline && git add .hush-scan-baseline.json',
        'hush scan --baseline .hush-scan-baseline.json --install-hook',
      ],
    );
  },
  check: (sub) => {
    examples(
      sub(
        'check',
        "verify the secrets the configuration's schema: declares (exit 1 listing every failure)",
      ).action(lazy(() => import('../commands/check.js'))),
      ['hush check --env prod                    before a deploy', 'hush check --json'],
    );
  },
  types: (sub) => {
    examples(
      sub(
        'types',
        'TypeScript declarations of the schema: for defineSecrets() (names checked at compile time)',
      )
        .option('-o, --output <file>', 'write here (e.g. hush.d.ts) instead of stdout')
        .action(lazy(() => import('../commands/types.js'))),
      ['hush types -o src/hush.d.ts'],
    );
  },
  report: (sub) => {
    examples(
      sub('report', 'what is due: expiring, not rotated, past its rotation period, repeated failed reads')
        .option('--expiring <duration>', 'secrets expiring within this window (default 30d)')
        .option('--not-rotated <duration>', 'secrets unchanged for longer than this (default 90d)')
        .option('--rotation-due', "secrets past their declared rotation period (schema: or a 'rotation' tag)")
        .option(
          '--failed-access <duration>',
          'accessors with repeated failed reads in this window, from the audit log (default 24h)',
        )
        .option(
          '--threshold <n>',
          'failed reads an accessor may have in the window before it is reported',
          '5',
        )
        .option('--at <date>', 'report as of this ISO date instead of now (what will be due then)')
        .option('--strict', 'exit 1 when anything is due')
        .action(lazy(() => import('../commands/report.js'))),
      [
        'hush report                              every query with its default window',
        'hush report --expiring 7d --strict       e.g. from a nightly CI job',
        'hush report --failed-access 24h --json',
      ],
    );
  },
};
