import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { providerOffering } from '../capable.js';
import type { Cli } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { parseErrorLocation } from '../util.js';

export type PolicyAction = 'set' | 'get' | 'list' | 'delete';

interface PolicyOptions {
  provider?: string;
}

/**
 * `hush policy set|get|list|delete`: access policies at the backend. Vault keeps named ACL
 * policies (HCL); AWS keeps one resource policy (JSON) per secret, named by the secret.
 */
export default async function policy(
  cli: Cli,
  [action, name, file]: [PolicyAction, string?, string?],
  options: PolicyOptions,
): Promise<void> {
  if (action === 'list') return list(cli, options);
  if (!name)
    throw new UsageError(`missing policy name: hush policy ${action} NAME${action === 'set' ? ' FILE' : ''}`);
  if (action === 'set') {
    if (!file) throw new UsageError('missing policy file: hush policy set NAME FILE.hcl (FILE.json for AWS)');
    return set(cli, name, file, options);
  }
  if (action === 'get') return get(cli, name, options);
  return remove(cli, name, options);
}

async function set(cli: Cli, name: string, file: string, options: PolicyOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(resolve(cli.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${file} (${code ?? 'error'})`,
      code === 'EACCES' || code === 'EPERM' ? EXIT.fileAccess : EXIT.failure,
    );
  }
  const { provider, kind } = await providerOffering(cli, 'putPolicy', 'policies', options.provider);
  // JSON policies (AWS) are parsed here, so that the error says where; Vault parses HCL itself.
  if (kind === 'aws' || extname(file).toLowerCase() === '.json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file}: ${parseErrorLocation(error, text)}: not a JSON policy document`);
    }
  }
  try {
    await provider.putPolicy!(name, text);
  } catch (error) {
    // The backend's words (Vault: `At 3:5: illegal char`), said of the file.
    if ((error as { code?: string }).code === 'VALIDATION_ERROR')
      throw new UsageError(`${file}: ${(error as Error).message}`);
    throw error;
  }
  if (cli.options.json) cli.printJson({ name, provider: provider.name, written: true });
  else cli.note(`${cli.colors.green('✓')} policy '${name}' written to ${provider.name}`);
}

async function get(cli: Cli, name: string, options: PolicyOptions): Promise<void> {
  const { provider } = await providerOffering(cli, 'getPolicy', 'policies', options.provider);
  const document = await provider.getPolicy!(name);
  if (document === null) throw new CliError(`policy '${name}' not found in ${provider.name}`, EXIT.notFound);
  if (cli.options.json) cli.printJson({ name, provider: provider.name, policy: document });
  else process.stdout.write(document.endsWith('\n') ? document : `${document}\n`);
}

async function list(cli: Cli, options: PolicyOptions): Promise<void> {
  const { provider } = await providerOffering(cli, 'listPolicies', 'listing policies', options.provider);
  const names = await provider.listPolicies!();
  if (cli.options.json) cli.printJson(names);
  else for (const name of names) cli.print(name);
}

async function remove(cli: Cli, name: string, options: PolicyOptions): Promise<void> {
  const { provider } = await providerOffering(cli, 'deletePolicy', 'policies', options.provider);
  const removed = await provider.deletePolicy!(name);
  if (!removed) throw new CliError(`policy '${name}' not found in ${provider.name}`, EXIT.notFound);
  if (cli.options.json) cli.printJson({ name, provider: provider.name, deleted: true });
  else cli.note(`${cli.colors.green('✓')} policy '${name}' deleted from ${provider.name}`);
}
