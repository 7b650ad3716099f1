import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Cli } from '../context.js';

const CONFIG = `# hush configuration: environments, their providers (asked in order) and where writes go.
# Reference: https://github.com/hush/hush/tree/main/packages/core#configuration-file
version: 1
defaultEnvironment: dev

environments:
  dev:
    providers:
      # The encrypted local store; its key is HUSH_MASTER_KEY or .hush/master.key (never commit the key).
      - kind: local
        options:
          path: .hush/secrets.enc.json
      # Read-only fallback: HUSH_SECRET_DB_URL serves the secret db-url (left out of the chain
      # when @hush/provider-env is not installed, as in an app that installs only what it uses).
      - kind: env
        optional: true
    defaultWriteProvider: local

  # staging and prod start as local stores of their own (same key file) so that every command
  # works at once; replace them with your real backend, e.g.:
  #   - kind: vault
  #     options: { address: "\${env:VAULT_ADDR}", token: "\${env:VAULT_TOKEN}", mount: secret }
  #   - kind: aws
  #     options: { region: eu-west-1 }
  staging:
    providers:
      - kind: local
        options:
          path: .hush/staging.enc.json
      - kind: env
        optional: true
    defaultWriteProvider: local

  prod:
    providers:
      - kind: local
        options:
          path: .hush/prod.enc.json
      - kind: env
        optional: true
    defaultWriteProvider: local

cache:
  ttl: 5m

# Opt-in (install @hush/audit-sqlite and @hush/rbac):
# audit:
#   enabled: true
#   path: .hush/audit.db
#   failMode: closed
# accessControl:
#   enforce: true
#   policyFile: .hush/policy.yaml
#   rootAccessors: [your-user-name]
`;

const IGNORED = ['.hush/master.key', '.hush/master.key.*'];

/** Creates what a project needs; run twice, it changes nothing and never replaces a key. */
export default async function init(cli: Cli): Promise<void> {
  const root = cli.cwd;
  const done: string[] = [];
  const kept: string[] = [];

  const configPath = join(root, 'hush.config.yaml');
  const existing = ['hush.config.yaml', 'hush.config.yml', 'hush.config.json'].find((name) =>
    existsSync(join(root, name)),
  );
  if (existing) kept.push(`${existing} (exists, left as is)`);
  else {
    await fs.writeFile(configPath, CONFIG, { flag: 'wx', mode: 0o644 });
    done.push('created hush.config.yaml (environments dev, staging, prod)');
  }

  const hushDir = join(root, '.hush');
  if (!existsSync(hushDir)) {
    await fs.mkdir(hushDir, { mode: 0o700 });
    done.push('created .hush/ (mode 0700)');
  }
  await fs.chmod(hushDir, 0o700);

  const keyPath = join(hushDir, 'master.key');
  if (existsSync(keyPath)) kept.push('.hush/master.key (exists, never replaced)');
  else if (process.env.HUSH_MASTER_KEY)
    kept.push('no key file written: HUSH_MASTER_KEY is set and is the key');
  else {
    const { writeKeyFile } = await import('@hush/provider-local');
    await writeKeyFile(keyPath);
    done.push('created .hush/master.key (mode 0600): back it up somewhere safe, never commit it');
  }

  const gitignore = join(root, '.gitignore');
  const current = existsSync(gitignore) ? await fs.readFile(gitignore, 'utf8') : '';
  const lines = current.split(/\r?\n/);
  const missing = IGNORED.filter((entry) => !lines.includes(entry));
  if (missing.length > 0) {
    const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
    await fs.appendFile(
      gitignore,
      `${prefix}# hush: the master key and its backups stay out of git\n${missing.join('\n')}\n`,
    );
    done.push(`added ${missing.join(', ')} to .gitignore`);
  }

  if (cli.options.json) {
    cli.printJson({ created: done, kept });
    return;
  }
  for (const line of done) cli.print(`${cli.colors.green('✓')} ${line}`);
  for (const line of kept) cli.print(`${cli.colors.dim('-')} ${line}`);
  if (done.length === 0) cli.print('nothing to do: the project is already set up');
  else cli.note('next: hush set my-secret   (asks for the value; or pipe it on stdin)');
}
