import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const TESTS = dirname(fileURLToPath(import.meta.url));
const SCHEMAS = join(dirname(TESTS), 'schemas');
const KEY = Buffer.alloc(32, 21).toString('base64');
const VALUE = plant('schema-Secret-Value-6262');

const ajv = new Ajv({ allErrors: true, strict: true });
/** The documented schemas, by command; each compiled when first used. */
const schemaNames = readdirSync(SCHEMAS)
  .filter((file) => file.endsWith('.schema.json'))
  .map((file) => file.replace('.schema.json', ''));
const compiled = new Map<string, ValidateFunction>();
const validatorOf = (name: string): ValidateFunction | undefined => {
  if (!schemaNames.includes(name)) return undefined;
  if (!compiled.has(name))
    compiled.set(name, ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8'))));
  return compiled.get(name);
};
const used = new Set<string>();

/** Checks a document against the schema of its command; the errors name the path that failed. */
function conforms(schema: string, text: string): unknown {
  const validate = validatorOf(schema);
  expect(validate, `no schemas/${schema}.schema.json`).toBeDefined();
  const document = JSON.parse(text) as unknown;
  expect(validate!(document), `${schema}: ${ajv.errorsText(validate!.errors)}`).toBe(true);
  used.add(schema);
  return document;
}

const CONFIG = `environments:
  dev:
    providers:
      - { kind: local }
      - { kind: local, name: other, options: { path: .hush/other.enc.json } }
    defaultWriteProvider: local
audit:
  enabled: true
accessControl:
  enforce: true
  rootAccessors: [tester]
`;

/** Each test runs a dozen commands as child processes: generous, for a loaded machine. */
const SLOW = 180_000;

describe('every --json output validates against its documented schema', () => {
  const { dir, run } = useProject({ 'hush.config.yaml': CONFIG }, { init: false });
  const json = async (args: string[], input?: string) => {
    const result = await run([...args, '--json'], {
      env: { HUSH_MASTER_KEY: KEY },
      ...(input !== undefined ? { input } : {}),
    });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  afterAll(() => {
    // Each documented schema is checked against real output at least once: here, or by the tests
    // of its own command (`expectSchema('scan', ...)`).
    const elsewhere = readdirSync(TESTS)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [
        ...readFileSync(join(TESTS, file), 'utf8').matchAll(/expectSchema\(\s*'([\w-]+)'/g),
      ])
      .map((match) => match[1]!);
    const unchecked = schemaNames.filter((name) => !used.has(name) && !elsewhere.includes(name));
    expect(unchecked).toEqual([]);
  });

  it(
    'secrets: init, set, get, list, versions, rollback, rotate, export, render, import, delete',
    async () => {
      conforms('init', await json(['init']));
      conforms('set', await json(['set', 'db/url', '--tag', 'team=web', '--expires', '90d'], VALUE));
      conforms('set', await json(['set', 'db/url'], `${VALUE}-2`));
      const got = conforms('get', await json(['get', 'db/url'])) as { value: string };
      expect(got.value).toBe(`${VALUE}-2`);
      conforms('list', await json(['list']));
      conforms('versions', await json(['versions', 'db/url']));
      conforms('rollback', await json(['rollback', 'db/url', '--to', '1']));
      conforms('rotate', await json(['rotate', 'db/url', '--generate', 'uuid']));
      conforms('rotate', await json(['rotate', '--due']));
      conforms('export', await json(['export', '--format', 'json']));
      writeFileSync(join(dir, 'app.tpl'), 'url: ${secret:db/url}\n');
      conforms('render', await json(['render', 'app.tpl']));
      conforms('render', await json(['render', 'app.tpl', '-o', 'app.yaml']));
      writeFileSync(join(dir, 'in.env'), 'API_KEY=abc-123-xyz\nEMPTY=\n');
      conforms('import', await json(['import', 'in.env', '--dry-run']));
      conforms('import', await json(['import', 'in.env']));
      conforms('delete', await json(['delete', 'api-key', '--yes']));
    },
    SLOW,
  );

  it(
    'errors: {"error":{code,message,hint}} on stderr, nothing on stdout, the documented exit code',
    async () => {
      const cases: Array<[string[], number, string]> = [
        [['get', 'no/such-secret'], 3, 'SECRET_NOT_FOUND'],
        [['frobnicate'], 2, 'USAGE'],
        [['get', 'Bad Name!'], 2, 'INVALID_SECRET_NAME'],
        [['set', 'x', '--provider', 'nowhere'], 2, 'USAGE'],
        [['list', '--expiring', 'whenever'], 2, 'VALIDATION_ERROR'],
      ];
      for (const [args, code, errorCode] of cases) {
        const result = await run([...args, '--json'], { env: { HUSH_MASTER_KEY: KEY }, input: VALUE });
        expect(result.code, result.stderr).toBe(code);
        expect(result.stdout).toBe('');
        const document = conforms('error', result.stderr) as { error: { code: string } };
        expect(document.error.code).toBe(errorCode);
      }
    },
    SLOW,
  );

  it(
    'operations: health, copy, keygen, reseal, audit, grant, permissions, revoke, agent, rekey',
    async () => {
      conforms('health', await json(['health']));
      conforms('copy', await json(['copy', '--from', 'local', '--to', 'other', '--dry-run']));
      conforms('copy', await json(['copy', '--from', 'local', '--to', 'other', '--verify']));
      conforms('keygen', await json(['keygen']));
      conforms('reseal', await json(['reseal', '--yes']));
      conforms('audit', await json(['audit', '--limit', '5']));
      conforms('grant', await json(['grant', 'db/*', 'bob', 'read', '--expires', '30d']));
      conforms('permissions', await json(['permissions']));
      conforms('revoke', await json(['revoke', 'db/*', 'bob']));
      conforms('agent', await agentDocument(dir));
      // Last: the store is under a new key afterwards.
      conforms('rekey', await json(['rekey', '--master-key']));
    },
    SLOW,
  );
});

/** Starts `hush agent --json` on a socket of its own, reads its one document, and stops it. */
function agentDocument(dir: string): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'agent', '--json', '--socket', join(dir, 'agent', 'hush.sock')],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, HUSH_ACCESSOR: 'tester', HUSH_MASTER_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        JSON.parse(out);
        child.kill('SIGTERM');
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (out) resolve(out);
      else reject(new Error(`hush agent printed nothing: ${err}`));
    });
  });
}
