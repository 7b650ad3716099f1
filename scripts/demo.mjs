#!/usr/bin/env node
// `npm run demo`: the main job of hush, step by step, in a throw-away folder, with the built `hush`.
// Every step runs the real binary as a child process and prints its command and output; the first
// step that fails stops the demo with a non-zero exit code. No terminal is needed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(repo, 'packages/cli/bin/hush.cjs');
if (!existsSync(bin)) {
  console.error(`demo: ${bin} is missing; build first (npm run demo builds it)`);
  process.exit(1);
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (t) => (color ? `\u001b[1m${t}\u001b[22m` : t);
const dim = (t) => (color ? `\u001b[2m${t}\u001b[22m` : t);
const green = (t) => (color ? `\u001b[32m${t}\u001b[39m` : t);

const work = mkdtempSync(join(tmpdir(), 'hush-demo-'));
// A clean environment: no key or configuration from the caller's shell leaks into the demo.
const env = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1', HUSH_ACCESSOR: 'demo' };
let stepNumber = 0;

function step(title, explanation) {
  stepNumber += 1;
  console.log(`\n${bold(`${stepNumber}. ${title}`)}`);
  if (explanation) console.log(dim(`   ${explanation}`));
}

const indent = (text) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `     ${line}`)
    .join('\n');

/** Runs `hush ...args`, shows it as a person would type it, and returns its stdout. */
function hush(args, { input, shown, expectCode = 0, hideOutput = false } = {}) {
  const display = shown ?? `hush ${args.map((a) => (/[\s'"$*#]/.test(a) ? `'${a}'` : a)).join(' ')}`;
  console.log(`   ${green('$')} ${input !== undefined ? `printf %s '${'*'.repeat(8)}' | ` : ''}${display}`);
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    env,
    input: input ?? '',
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`;
  if (output.trim() && !hideOutput) console.log(indent(output));
  if (result.status !== expectCode) {
    console.error(
      `\ndemo: step ${stepNumber} failed: \`${display}\` exited with ${result.status ?? result.signal} (expected ${expectCode})`,
    );
    process.exit(1);
  }
  return result.stdout;
}

function check(condition, message) {
  if (!condition) {
    console.error(`\ndemo: step ${stepNumber} failed: ${message}`);
    process.exit(1);
  }
  console.log(`     ${green('✓')} ${message}`);
}

try {
  console.log(bold('hush demo: the main job in a temporary project'));
  console.log(dim(`   folder: ${work}`));

  step(
    'Set up the project',
    'hush init writes hush.config.yaml, .hush/ (0700) and a master key (0600), and git-ignores the key.',
  );
  hush(['init']);
  check(
    (statSync(join(work, '.hush/master.key')).mode & 0o777) === 0o600,
    '.hush/master.key is readable by its owner only (0600)',
  );

  const secrets = {
    'db/password': 'pg-S3cret-Pa55word',
    'api-key': 'sk_live_7f3a9c2e41b8d6',
    'smtp/password': 'mail-Hunter2-xyz',
  };
  step(
    'Store three secrets',
    'Values come from stdin (never from the command line, which lands in shell history).',
  );
  for (const [name, value] of Object.entries(secrets))
    hush(['set', name, '--tag', 'team=payments'], { input: value });

  step('List them', 'Names and metadata only: list never prints values.');
  const listed = hush(['list']);
  check(
    Object.values(secrets).every((v) => !listed.includes(v)),
    'no value appears in the listing',
  );

  step(
    'Render a configuration template',
    '${secret:...} references are resolved; the output file is created 0600.',
  );
  const template = [
    'database:',
    '  host: db.internal',
    '  password: ${secret:db/password}',
    'payments:',
    '  apiKey: ${secret:api-key}',
    '  timeout: 30s',
    '',
  ].join('\n');
  writeFileSync(join(work, 'app.config.template.yaml'), template);
  console.log(dim('   app.config.template.yaml:'));
  console.log(indent(template));
  hush(['render', 'app.config.template.yaml', '-o', 'app.config.yaml']);
  const rendered = readFileSync(join(work, 'app.config.yaml'), 'utf8');
  check(
    rendered.includes(secrets['db/password']) && rendered.includes(secrets['api-key']),
    'app.config.yaml holds the real values',
  );
  check((statSync(join(work, 'app.config.yaml')).mode & 0o777) === 0o600, 'app.config.yaml is 0600');

  step(
    'Run a program with the secrets in its environment',
    'Names become variables (db/password -> DB_PASSWORD); the child output is masked.',
  );
  const program =
    "console.log('DB_PASSWORD has', process.env.DB_PASSWORD.length, 'characters'); console.log('API_KEY =', process.env.API_KEY)";
  const out = hush(['run', '--', 'node', '-e', program], { shown: `hush run -- node -e "${program}"` });
  check(
    out.includes(`DB_PASSWORD has ${secrets['db/password'].length} characters`),
    'the child received the secrets as environment variables',
  );
  check(
    !out.includes(secrets['api-key']) && out.includes('***'),
    'the value the child printed was masked as ***',
  );

  step(
    'Rotate a secret',
    'A new random value becomes the current version; the old one is kept as a version.',
  );
  hush(['rotate', 'api-key', '--generate', 'random:32']);
  const rotated = hush(['get', 'api-key'], {
    shown: 'hush get api-key   # output not shown here',
    hideOutput: true,
  }).replace(/\n$/, '');
  check(
    rotated !== secrets['api-key'] && rotated.length === 32,
    'hush get now returns a new 32-character value',
  );

  step('Look at its versions');
  hush(['versions', 'api-key']);

  console.log(
    `\n${green('✓')} ${bold('demo complete')}: every step passed. Try it in your project: npm i -D @hush/cli && npx @hush/cli init`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
