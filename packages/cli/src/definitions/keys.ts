import { type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';

/** Migration between providers and the local store's keys. */
export const keyCommands: Definitions = {
  copy: (sub) => {
    examples(
      sub('copy', 'copy secrets between two providers of the environment (migration)')
        .requiredOption('--from <provider>', 'source provider')
        .requiredOption('--to <provider>', 'target provider')
        .option('--pattern <glob>', 'only names matching a glob')
        .option('--verify', 're-read both sides afterwards and compare')
        .option('--dry-run', 'show what would be copied')
        .option('--overwrite', 'replace secrets that exist in the target with a different value')
        .action(lazy(() => import('../commands/copy.js'))),
      ['hush copy --from local --to vault --dry-run', 'hush copy --from local --to vault --verify'],
    );
  },
  rekey: (sub) => {
    examples(
      sub('rekey', 'new master key or passphrase for the local store (re-encrypts every version)')
        .option('--provider <name>', 'the local provider to rekey (default: the first local one)')
        .option('--passphrase', 'protect it with a new passphrase (from stdin, else asked twice)')
        .option('--master-key', 'protect it with a new random master key')
        .action(lazy(() => import('../commands/rekey.js'))),
      [
        'hush rekey                    a new .hush/master.key (for every store it opens)',
        'hush rekey                    a passphrase store: asks for the new passphrase twice',
        'printf %s "$NEW" | hush rekey --passphrase',
        'hush rekey --master-key       from a passphrase to a new random key',
      ],
    );
  },
  keygen: (sub) => {
    sub('keygen', 'print a new random master key (base64 of 32 bytes)').action(
      lazy(() => import('../commands/keygen.js')),
    );
  },
  reseal: (sub) => {
    sub('reseal', 'accept the local store as it is now (after a git merge) and sign it again')
      .option('--provider <name>', 'the local provider (default: the first local one)')
      .option('-y, --yes', 'do not ask')
      .action(lazy(() => import('../commands/reseal.js')));
  },
};
