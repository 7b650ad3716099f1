import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulators.js';
import { type Example, extractExamples } from '../src/extract.js';
import { makeSandboxRoot, REPO, writeStub } from '../src/sandbox.js';

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

const TSX = join(REPO, 'tests', 'docs', 'node_modules', '.bin', 'tsx');
const TSC = join(REPO, 'tests', 'docs', 'node_modules', '.bin', 'tsc');
const root = makeSandboxRoot();
const slug = (readme: string) => readme.replace(/\/README\.md$|\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-');

/** The file each TypeScript example is written to (with the blocks it continues). */
const sources = new Map<Example, string>();

function typescriptSource(list: Example[], index: number): string {
  const example = list[index]!;
  let code = applyReplacements(example);
  if (example.directives.continues) {
    const previous = list.slice(0, index).findLast((e) => e.lang === 'ts');
    if (!previous) throw new Error(`${example.readme}:${example.line}: 'continues' has no TypeScript block before it`);
    code = `${typescriptSource(list, list.indexOf(previous))}\n${code}`;
  }
  return code;
}

function applyReplacements(example: Example): string {
  let code = example.code;
  for (const [from, to] of example.directives.replacements) {
    if (!code.includes(from)) throw new Error(`${example.readme}:${example.line}: nothing to replace: ${from}`);
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
  const result = spawnSync(TSC, ['-p', root], { encoding: 'utf8' });
  compileErrors = new Map();
  for (const line of `${result.stdout}`.split('\n')) {
    const match = /^(.*?\.ts)\(\d+,\d+\): error/.exec(line);
    if (!match) continue;
    const file = join(root, match[1]!);
    compileErrors.set(file, [...(compileErrors.get(file) ?? []), line]);
  }
  if (result.status !== 0 && compileErrors.size === 0) throw new Error(`tsc failed: ${result.stdout}${result.stderr}`);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

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
      const title = `${example.lang} example at line ${example.line}`;
      it(title, async () => {
        if (example.directives.fresh) newProject();
        if (example.lang === 'ts') {
          const file = sources.get(example)!;
          expect(compileErrors.get(file) ?? [], `${readme}:${example.line} compiles under strict`).toEqual([]);
          if (example.directives.typecheckOnly) return;
          const run = join(project, `example-${example.line}.ts`);
          writeFileSync(run, typescriptSource(list, index));
          await check(example, await runIn(example, project, TSX, [run]));
        } else {
          const script = join(project, `.example-${example.line}.sh`);
          writeFileSync(script, `set -euo pipefail\n${applyReplacements(example)}`);
          await check(example, await runIn(example, project, 'bash', [script]));
          rmSync(script);
        }
      });
    });
  });
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function check(example: Example, outcome: Outcome): Promise<void> {
  const where = `${example.readme}:${example.line}`;
  expect(outcome.code, `${where} exits ${example.directives.exit}\n${outcome.stdout}\n${outcome.stderr}`).toBe(
    example.directives.exit,
  );
  for (const text of example.directives.stdout) expect(outcome.stdout, where).toContain(text);
}

async function runIn(example: Example, project: string, command: string, args: string[]): Promise<Outcome> {
  const { directives } = example;
  for (const stub of directives.stubs) writeStub(root, stub);
  const running = await Promise.all(directives.emulators.map((service) => startEmulator(service, project)));
  try {
    const env: Record<string, string> = {
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
      HOME: project,
      NO_COLOR: '1',
      TERM: 'dumb',
      ...Object.assign({}, ...running.map((emulator) => emulator.env)),
    };
    for (const [name, value] of Object.entries(directives.env)) env[name] = value.replaceAll('$SANDBOX', project);
    const cwd = directives.cwdRepo ? REPO : project;
    for (const setup of directives.setup) {
      const done = await spawnOutcome('bash', ['-euo', 'pipefail', '-c', setup], cwd, env);
      if (done.code !== 0)
        throw new Error(`${example.readme}:${example.line}: setup '${setup}' failed:\n${done.stdout}${done.stderr}`);
    }
    return await spawnOutcome(command, args, cwd, env);
  } finally {
    await Promise.all(running.map((emulator) => emulator.stop()));
  }
}

function spawnOutcome(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: `${stderr}`.replaceAll(root, relative(REPO, root)) });
    });
  });
}
