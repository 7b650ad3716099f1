import { type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';

/** The audit log and access control. */
export const accessCommands: Definitions = {
  audit: (sub) => {
    examples(
      sub('audit', 'query the audit log')
        .argument('[name]', 'only this secret')
        .option('--accessor <accessor>', 'only this accessor')
        .option('--failed-only', 'only failures (not found, denied, errors)')
        .option('--since <duration>', "only entries newer than this ('24h', '7d')")
        .option('--limit <n>', 'most entries', '100')
        .action(lazy(() => import('../commands/audit.js'))),
      ['hush audit --since 24h --failed-only', 'hush audit db/url --accessor ci-bot --json'],
    );
  },
  grant: (sub) => {
    examples(
      sub('grant', 'grant a permission (read, write, delete, rotate, audit, admin) on a name or glob')
        .argument('<name>', 'secret name or glob pattern')
        .argument('<accessor>', 'who receives it')
        .argument('<permission>', 'read, write, delete, rotate, audit or admin')
        .option('--scope <scope>', 'global, plugin, agent or user', 'global')
        .option('--expires <when>', "expiry: '30d' or an ISO date")
        .action(lazy(() => import('../commands/grant.js'))),
      ["hush grant 'api-*' ci-bot read --expires 30d"],
    );
  },
  revoke: (sub) => {
    sub('revoke', 'revoke grants')
      .argument('<name>', 'secret name or glob pattern, as granted')
      .argument('<accessor>', 'whose grants')
      .argument('[permission]', 'only this permission (default: all)')
      .option('--scope <scope>', 'only grants in this scope')
      .action(lazy(() => import('../commands/revoke.js')));
  },
  permissions: (sub) => {
    sub('permissions', 'list grants (those that apply to NAME when given)')
      .argument('[name]', 'secret name or pattern')
      .option('--accessor <accessor>', 'only this accessor')
      .option('--include-expired', 'also list expired grants')
      .action(lazy(() => import('../commands/permissions.js')));
  },
};
