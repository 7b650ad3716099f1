// One-off generator for package skeletons (kept for adding packages consistently).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pkgs = {
  core: {
    desc: 'The hush kernel: ISecretManager contract, manager, cache, resolver, masking, errors, plugin loading, configuration',
    deps: { 'lru-cache': '11.5.3', yaml: '2.9.1' },
    dev: { 'fast-check': '4.11.0' },
  },
  testkit: {
    desc: 'Provider contract suite for hush provider authors, and an in-memory provider',
    deps: { '@hush/core': 'workspace:^' },
    peer: { vitest: '>=3' },
    dev: {},
  },
  'provider-local': {
    desc: 'hush provider: encrypted local file store (the embedded default)',
    deps: { '@hush/core': 'workspace:^', 'proper-lockfile': '4.1.2' },
    dev: { '@hush/testkit': 'workspace:^', '@types/proper-lockfile': '4.1.4' },
  },
  'provider-env': {
    desc: 'hush provider: process environment (read-only)',
    deps: { '@hush/core': 'workspace:^' },
    dev: { '@hush/testkit': 'workspace:^' },
  },
  'provider-vault': {
    desc: 'hush provider: HashiCorp Vault KV v2 through node-vault',
    deps: { '@hush/core': 'workspace:^', 'node-vault': '0.12.0' },
    dev: { '@hush/testkit': 'workspace:^', '@hush/emulators': 'workspace:^' },
  },
  'provider-aws': {
    desc: 'hush provider: AWS Secrets Manager through the AWS SDK v3',
    deps: { '@hush/core': 'workspace:^', '@aws-sdk/client-secrets-manager': '3.1164.0' },
    dev: { '@hush/testkit': 'workspace:^', '@hush/emulators': 'workspace:^' },
  },
  'provider-azure': {
    desc: 'hush provider: Azure Key Vault through @azure/keyvault-secrets',
    deps: { '@hush/core': 'workspace:^', '@azure/keyvault-secrets': '4.11.2', '@azure/identity': '4.13.1' },
    dev: { '@hush/testkit': 'workspace:^', '@hush/emulators': 'workspace:^' },
  },
  'provider-gcp': {
    desc: 'hush provider: GCP Secret Manager through @google-cloud/secret-manager',
    deps: { '@hush/core': 'workspace:^', '@google-cloud/secret-manager': '6.3.0' },
    dev: { '@hush/testkit': 'workspace:^', '@hush/emulators': 'workspace:^', '@grpc/grpc-js': '^1.14.0' },
  },
  'provider-k8s': {
    desc: 'hush provider: Kubernetes Secrets through @kubernetes/client-node',
    deps: { '@hush/core': 'workspace:^', '@kubernetes/client-node': '1.4.0' },
    dev: { '@hush/testkit': 'workspace:^', '@hush/emulators': 'workspace:^' },
  },
  'audit-sqlite': {
    desc: 'hush audit log, metadata and permission store on SQLite (Kysely on better-sqlite3)',
    deps: { '@hush/core': 'workspace:^', kysely: '0.28.19', 'better-sqlite3': '12.11.1' },
    peer: { pg: '^8' },
    peerMeta: { pg: { optional: true } },
    dev: { '@types/better-sqlite3': '7.6.13', pg: '8.23.1', '@types/pg': '8.23.1' },
  },
  rbac: {
    desc: 'hush access control: grants on names and glob patterns, as a manager plugin',
    deps: { '@hush/core': 'workspace:^', picomatch: '4.0.7', yaml: '2.9.1' },
    dev: { '@types/picomatch': '4.0.3' },
  },
  cli: {
    desc: 'hush: the operators command line',
    bin: { hush: './dist/bin.js' },
    deps: {
      '@hush/core': 'workspace:^',
      '@hush/provider-local': 'workspace:^',
      '@hush/provider-env': 'workspace:^',
      commander: '14.0.3',
      yaml: '2.9.1',
      '@inquirer/prompts': '7.8.6',
      'cli-progress': '3.12.0',
    },
    dev: {
      '@types/cli-progress': '3.11.6',
      '@hush/testkit': 'workspace:^',
      '@hush/emulators': 'workspace:^',
      '@hush/audit-sqlite': 'workspace:^',
      '@hush/rbac': 'workspace:^',
      '@hush/provider-vault': 'workspace:^',
      '@hush/provider-aws': 'workspace:^',
    },
  },
  emulators: {
    desc: 'Local servers speaking the Vault, AWS Secrets Manager, Azure Key Vault, GCP Secret Manager and Kubernetes wire protocols',
    bin: { 'hush-emulators': './dist/bin.js' },
    deps: {
      '@grpc/grpc-js': '^1.14.0',
      '@grpc/proto-loader': '0.8.1',
      '@google-cloud/secret-manager': '6.3.0',
      selfsigned: '5.5.0',
    },
    dev: {},
  },
};

for (const [dir, p] of Object.entries(pkgs)) {
  const root = join('packages', dir);
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'test'), { recursive: true });
  const name = `@hush/${dir}`;
  const entries = ['src/index.ts'];
  if (p.bin) entries.push('src/bin.ts');
  const pkg = {
    name,
    version: '0.1.0',
    description: p.desc,
    license: 'MIT',
    type: 'module',
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    ...(p.bin ? { bin: p.bin } : {}),
    files: ['dist', 'README.md'],
    engines: { node: '>=20.19' },
    scripts: {
      build: 'tsup',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
    },
    dependencies: p.deps,
    ...(p.peer ? { peerDependencies: p.peer } : {}),
    ...(p.peerMeta ? { peerDependenciesMeta: p.peerMeta } : {}),
    devDependencies: p.dev,
  };
  if (!existsSync(join(root, 'package.json')))
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  if (!existsSync(join(root, 'tsconfig.json')))
    writeFileSync(
      join(root, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', 'bench'] }, null, 2) +
        '\n',
    );
  if (!existsSync(join(root, 'tsup.config.ts')))
    writeFileSync(
      join(root, 'tsup.config.ts'),
      `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ${JSON.stringify(entries).replace(/","/g, "', '").replace('["', "['").replace('"]', "']")},\n  format: ['esm', 'cjs'],\n  dts: true,\n  clean: true,\n  sourcemap: true,\n  target: 'node20',\n});\n`,
    );
  if (!existsSync(join(root, 'vitest.config.ts')))
    writeFileSync(
      join(root, 'vitest.config.ts'),
      `import { defineProject } from '../../vitest.shared.ts';\n\nexport default defineProject();\n`,
    );
  if (!existsSync(join(root, 'src/index.ts'))) writeFileSync(join(root, 'src/index.ts'), `export {};\n`);
}
