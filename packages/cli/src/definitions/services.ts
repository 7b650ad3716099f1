import { Option } from 'commander';
import { type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';

/** Long-running services and what sits beside the secrets: agent, MCP, health, leases, policies, notices, the persistent cache. */
export const serviceCommands: Definitions = {
  agent: (sub) => {
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
        .option(
          '--busy-poll <duration>',
          'keep polling this long after each request: lower latency for up to one core; 0 is off (default auto: 1ms with 2+ CPUs and no CPU quota)',
        )
        .action(lazy(() => import('../commands/agent.js'))),
      [
        'hush agent --env prod                    SIGHUP reloads, SIGTERM stops',
        'hush agent --listen 127.0.0.1:2773      also on loopback, with a token',
      ],
    );
  },
  mcp: (sub) => {
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
        .action(lazy(() => import('../commands/mcp.js'))),
      ['claude mcp add hush -- hush mcp --env dev', 'hush mcp --approve-writes never'],
    );
  },
  health: (sub) => {
    sub('health', "each provider's status and latency (exit 5 when the chain is down)")
      .option('--strict', 'exit 5 also when only some providers are down (degraded)')
      .action(lazy(() => import('../commands/health.js')));
  },
  lease: (sub) => {
    const lease = sub('lease', 'leases of dynamic secrets (Vault): list, renew, revoke');
    const leaseAction = (action: 'list' | 'renew' | 'revoke') =>
      lazy(async () => {
        const mod = await import('../commands/lease.js');
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
  },
  policy: (sub) => {
    const policy = sub(
      'policy',
      'access policies at the backend (Vault ACL policies, AWS resource policies)',
    );
    const policyAction = (action: 'set' | 'get' | 'list' | 'delete') =>
      lazy(async () => {
        const mod = await import('../commands/policy.js');
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
  },
  notify: (sub) => {
    const notify = sub('notify', 'notices and alerts (notifications:): webhook, command, log');
    examples(
      notify
        .command('test')
        .description('send a notify.test notice to every configured sink and report each delivery')
        .action(lazy(() => import('../commands/notify-test.js'))),
      ['hush notify test', 'hush notify test --json'],
    );
  },
  cache: (sub) => {
    const cache = sub('cache', 'the persistent cache (cache.persistent): its entries, and clearing them');
    examples(
      cache
        .command('status')
        .description('entries of the persistent cache: names, versions, providers and ages, never values')
        .action(lazy(() => import('../commands/cache-status.js'))),
      ['hush cache status', 'hush cache status --json'],
    );
    examples(
      cache
        .command('clear')
        .description('drop every entry of the persistent cache, or those of one secret')
        .argument('[name]', 'only this secret')
        .action(lazy(() => import('../commands/cache-clear.js'))),
      ['hush cache clear', 'hush cache clear db/password'],
    );
  },
};
