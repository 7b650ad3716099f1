import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulators.js';
import { type Example, extractExamples, SERVERS, stdoutMatcher } from '../src/extract.js';
import {
  type Daemon,
  EXAMPLE_TIMEOUT_MS,
  expandValue,
  freePort,
  missingScripts,
  type Outcome,
  spawnOutcome,
  startDaemon,
  waitForPath,
} from '../src/run.js';
import { makeSandboxRoot, REPO, workspacePackages, writeStub } from '../src/sandbox.js';

// Every TypeScript and shell example of every README, run as a reader would paste it: in a project
// folder of its own, against the built packages and the built `hush`, with an emulator where the
// example needs a cloud. TypeScript examples are also compiled under `strict`.

const READMES = [
  'README.md',
  ...['packages', 'examples'].flatMap((folder) =>
    readdirSync(join(REPO, folder))
      .filter((name) => existsSync(join(REPO, folder, name, 'README.md')))
      .map((name) => `${folder}/${name}/README.md`),
  ),
];

const examples = READMES.map((readme) => ({
  readme,
  examples: extractExamples(readme, readFileSync(join(REPO, readme), 'utf8')),
}));

const BIN = join(REPO, 'tests', 'docs', 'node_modules', '.bin');
const root = makeSandboxRoot();
const slug = (readme: string) => readme.replace(/\/README\.md$|\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-');

/** The file each TypeScript example is compiled from (with its prelude and the blocks it continues). */
const sources = new Map<Example, string>();

function typescriptSource(list: Example[], index: number): string {
  const example = list[index]!;
  let code = [...example.directives.prelude, applyReplacements(example)].join('\n');
  if (example.directives.continues) {
    const previous = list.slice(0, index).findLast((e) => e.lang === 'ts');
    if (!previous)
      throw new Error(`${example.readme}:${example.line}: 'continues' has no TypeScript block before it`);
    code = `${typescriptSource(list, list.indexOf(previous))}\n${code}`;
  }
  return code;
}

function applyReplacements(example: Example): string {
  let code = example.code;
  for (const [from, to] of example.directives.replacements) {
    if (!code.includes(from))
      throw new Error(`${example.readme}:${example.line}: nothing to replace: ${from}`);
    code = code.split(from).join(to);
  }
  return code;
}

let compileErrors = new Map<string, string[]>();

beforeAll(() => {
  // Write every TypeScript example, then compile them all at once under strict.
  for (const { readme, examples: list } of examples)
    list.forEach((example, index) => {
      if (example.lang !== 'ts') return;
      const dir = join(root, 'typecheck', slug(readme));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `line-${example.line}.ts`);
      const code = typescriptSource(list, index);
      writeFileSync(file, /\b(import|export)\b/.test(code) ? code : `${code}\nexport {};\n`);
      sources.set(example, file);
    });
  const result = spawnSync(join(BIN, 'tsc'), ['-p', root], { encoding: 'utf8' });
  compileErrors = new Map();
  for (const line of `${result.stdout}`.split('\n')) {
    const match = /^(.*?\.ts)\(\d+,\d+\): error/.exec(line);
    if (!match) continue;
    const file = join(root, match[1]!);
    compileErrors.set(file, [...(compileErrors.get(file) ?? []), line]);
  }
  if (result.status !== 0 && compileErrors.size === 0)
    throw new Error(`tsc failed: ${result.stdout}${result.stderr}`);
});

/** What ran, for the summary printed at the end. */
const tally = { ts: { run: 0, testFile: 0, compiledOnly: 0 }, sh: { run: 0, checkedOnly: 0 } };
/** Runs skipped because a server the block needs is not there, with the reason. */
const skipped: string[] = [];

afterAll(() => {
  const all = examples.flatMap((entry) => entry.examples);
  const directives = new Map<string, number>();
  for (const { directives: d } of all)
    for (const [name, used] of Object.entries({
      fresh: d.fresh,
      continues: d.continues,
      'cwd repo': d.cwdRepo,
      env: Object.keys(d.env).length,
      setup: d.setup.length,
      prelude: d.prelude.length,
      stub: d.stubs.length,
      daemon: d.daemons.length,
      'wait-for': d.waitFor.length,
      port: d.ports.length,
      emulator: d.emulators.length,
      server: d.servers.length,
      replace: d.replacements.length,
      exit: d.exit !== 0,
      stdout: d.stdout.length,
      'stdout-lacks': d.stdoutLacks.length,
      'test-file': d.testFile,
      'typecheck-only': d.typecheckOnly !== undefined,
    }))
      if (used) directives.set(name, (directives.get(name) ?? 0) + Number(used));
  const { ts, sh } = tally;
  console.log(
    [
      `README examples: ${all.length} in ${examples.filter((e) => e.examples.length).length} READMEs`,
      `  TypeScript: ${ts.run + ts.testFile + ts.compiledOnly} compiled under strict; ${ts.run} run with tsx, ${ts.testFile} run with vitest (test files), ${ts.compiledOnly} compiled only`,
      `  shell: ${sh.run + sh.checkedOnly}; ${sh.run} run with bash, ${sh.checkedOnly} checked only (bash -n and their npm scripts)`,
      `  not run, and why: ${all
        .filter((e) => e.directives.typecheckOnly)
        .map((e) => `${e.readme}:${e.line} (${e.directives.typecheckOnly})`)
        .join('; ')}`,
      `  runs skipped: ${skipped.length ? skipped.join('; ') : 'none'}`,
      `  directives: ${[...directives].map(([name, count]) => `${name} ${count}`).join(', ')}`,
    ].join('\n'),
  );
  rmSync(root, { recursive: true, force: true });
});

it('depends on every package whose README has examples, so that turbo builds them before this suite', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'tests', 'docs', 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const withExamples = [...workspacePackages()]
    .filter(([, dir]) =>
      examples.some((e) => e.examples.length && join(REPO, e.readme) === join(dir, 'README.md')),
    )
    .map(([name]) => name);
  expect(withExamples.filter((name) => !(name in manifest.devDependencies))).toEqual([]);
});

for (const { readme, examples: list } of examples) {
  if (list.length === 0) continue;
  describe(readme, () => {
    let project = '';
    let count = 0;
    const newProject = () => {
      project = join(root, 'projects', `${slug(readme)}-${++count}`);
      mkdirSync(project, { recursive: true });
    };
    beforeAll(newProject);

    list.forEach((example, index) => {
      it(`${example.lang} example at line ${example.line}`, async (context) => {
        if (example.directives.fresh) newProject();
        const absent = example.directives.servers
          .map((name) => SERVERS[name]!.from)
          .filter((name) => !process.env[name]);
        const skip = () => {
          skipped.push(`${readme}:${example.line} (no ${absent.join(', ')})`);
          context.skip(
            `needs ${absent.join(', ')} (a real server: scripts/ci-redis.sh, scripts/ci-postgres.sh)`,
          );
        };
        if (example.lang === 'ts')
          await typescriptExample(list, index, project, absent.length ? skip : undefined);
        else await shellExample(example, project, absent.length ? skip : undefined);
      });
    });
  });
}

/** Compiled under strict, then run with tsx (or vitest), unless it is typecheck-only or its server is absent. */
async function typescriptExample(
  list: Example[],
  index: number,
  project: string,
  skip?: () => void,
): Promise<void> {
  const example = list[index]!;
  const { directives } = example;
  const where = `${example.readme}:${example.line}`;
  expect(compileErrors.get(sources.get(example)!) ?? [], `${where} compiles under strict`).toEqual([]);
  if (directives.typecheckOnly) {
    tally.ts.compiledOnly++;
    return;
  }
  if (skip) return skip();
  const run = join(project, `example-${example.line}${directives.testFile ? '.test' : ''}.ts`);
  writeFileSync(run, typescriptSource(list, index));
  if (directives.testFile) {
    check(example, await runIn(example, project, join(BIN, 'vitest'), ['run', '--root', project, run]));
    tally.ts.testFile++;
  } else {
    check(example, await runIn(example, project, join(BIN, 'tsx'), [run]));
    tally.ts.run++;
  }
}

/** Run with bash (`set -euo pipefail`), or, when typecheck-only, checked by `bash -n` and for its npm scripts. */
async function shellExample(example: Example, project: string, skip?: () => void): Promise<void> {
  const { directives } = example;
  const where = `${example.readme}:${example.line}`;
  const script = join(project, `.example-${example.line}.sh`);
  writeFileSync(script, `set -euo pipefail\n${applyReplacements(example)}`);
  try {
    if (directives.typecheckOnly) {
      const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
      expect(syntax.stderr, `${where}: bash -n`).toBe('');
      expect(syntax.status, `${where}: bash -n`).toBe(0);
      const cwd = directives.cwdRepo ? REPO : project;
      expect(missingScripts(example.code, cwd), `${where}: npm scripts it names`).toEqual([]);
      tally.sh.checkedOnly++;
      return;
    }
    if (skip) return skip();
    check(example, await runIn(example, project, 'bash', [script]));
    tally.sh.run++;
  } finally {
    rmSync(script, { force: true });
  }
}

function check(example: Example, outcome: Outcome): void {
  const where = `${example.readme}:${example.line}`;
  const output = `\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`;
  if (process.env.HUSH_DOCS_VERBOSE) console.log(`${where}: exit ${outcome.code}${output}`);
  expect(outcome.timedOut, `${where} ends within ${EXAMPLE_TIMEOUT_MS / 1000} s${output}`).toBe(false);
  expect(outcome.code, `${where} exits ${example.directives.exit}${output}`).toBe(example.directives.exit);
  for (const text of example.directives.stdout) {
    const matcher = stdoutMatcher(text);
    if (typeof matcher === 'string')
      expect(outcome.stdout, `${where} prints ${text}${output}`).toContain(matcher);
    else expect(outcome.stdout, `${where} prints ${text}${output}`).toMatch(matcher);
  }
  for (const text of example.directives.stdoutLacks)
    expect(outcome.stdout, `${where} never prints ${text}`).not.toContain(text);
}

async function runIn(example: Example, project: string, command: string, args: string[]): Promise<Outcome> {
  const { directives } = example;
  for (const stub of directives.stubs) writeStub(root, stub);
  const running: RunningEmulator[] = [];
  const daemons: Daemon[] = [];
  try {
    for (const request of directives.emulators) running.push(await startEmulator(request, project));
    const env: Record<string, string> = {
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
      HOME: project,
      NO_COLOR: '1',
      TERM: 'dumb',
      // npm run by an example (`npm test` in a project) asks the registry nothing.
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...Object.assign({}, ...running.map((emulator) => emulator.env)),
    };
    for (const name of directives.servers) env[SERVERS[name]!.to] = process.env[SERVERS[name]!.from]!;
    for (const name of directives.ports) env[name] = String(await freePort());
    for (const [name, value] of Object.entries(directives.env)) env[name] = expandValue(value, project, env);
    const cwd = directives.cwdRepo ? REPO : project;
    for (const setup of directives.setup) {
      const done = await spawnOutcome('bash', ['-euo', 'pipefail', '-c', setup], cwd, env);
      if (done.code !== 0)
        throw new Error(
          `${example.readme}:${example.line}: setup failed (exit ${done.code}):\n${setup}\n${done.stdout}${done.stderr}`,
        );
    }
    for (const script of directives.daemons) daemons.push(startDaemon(script, cwd, env));
    for (const path of directives.waitFor) await waitForPath(expandValue(path, project, env), daemons);
    const outcome = await spawnOutcome(command, args, cwd, env);
    if (process.env.HUSH_DOCS_VERBOSE)
      for (const daemon of daemons)
        console.log(`daemon of ${example.readme}:${example.line}:\n${daemon.output()}`);
    return { ...outcome, stderr: outcome.stderr.replaceAll(root, relative(REPO, root)) };
  } finally {
    for (const daemon of daemons) daemon.stop();
    await Promise.all(running.map((emulator) => emulator.stop()));
  }
}
