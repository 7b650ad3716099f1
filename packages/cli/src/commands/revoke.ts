import type { Permission, Scope } from '@hush/rbac';
import type { Cli } from '../context.js';
import { EXIT } from '../errors.js';

export default async function revoke(
  cli: Cli,
  [name, accessor, permission]: [string, string, string | undefined],
  options: { scope?: string },
): Promise<void> {
  const control = await cli.accessControl();
  const removed = await control.revoke(name, accessor, permission as Permission | undefined, {
    ...(options.scope ? { scope: options.scope as Scope } : {}),
    ...(control.enforced ? { actor: cli.accessor } : {}),
  });
  if (cli.options.json) cli.printJson({ removed });
  else if (removed === 0)
    cli.note(`no grant of ${permission ?? 'any permission'} on '${name}' to ${accessor} to revoke`);
  else
    cli.note(
      `${cli.colors.green('✓')} revoked ${removed} grant${removed === 1 ? '' : 's'} on '${name}' from ${accessor}`,
    );
  if (removed === 0) process.exitCode = EXIT.notFound;
}
