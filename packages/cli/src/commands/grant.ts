import type { Permission, Scope } from '@hush/rbac';
import type { Cli } from '../context.js';

/** Grants as the current accessor: when enforcement is on, it must hold admin over the target (or be a root accessor). */
export default async function grant(
  cli: Cli,
  [name, accessor, permission]: [string, string, string],
  options: { scope: string; expires?: string },
): Promise<void> {
  const control = await cli.accessControl();
  const result = await control.grant(name, accessor, permission as Permission, {
    scope: options.scope as Scope,
    ...(options.expires ? { expiresAt: options.expires } : {}),
    ...(control.enforced ? { actor: cli.accessor } : { grantedBy: cli.accessor }),
  });
  if (cli.options.json) cli.printJson(result);
  else
    cli.note(
      `${cli.colors.green('✓')} granted ${result.permission} on '${result.secret}' to ${result.accessor} (scope ${result.scope}${result.expiresAt ? `, until ${result.expiresAt.toISOString()}` : ''})`,
    );
}
