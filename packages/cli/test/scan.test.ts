import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, hush, plant, type Result, tempProject, useProject } from './helpers.js';
import { expectSarif, expectSchema } from './schemas.js';

checkStderrClean();

const TOKEN = plant('scan-Tok3n-9f8e7d6c5b4a');
const DB_PASSWORD = plant('scan-Db-pw-Q1w2E3r4');
const CREDS = JSON.stringify({ username: 'app', password: DB_PASSWORD });
const OLD = plant('scan-only-in-history-4242');
const KEY = Buffer.alloc(32, 21).toString('base64');

/** Every form of every planted value that must never be printed. */
const FORBIDDEN = [TOKEN, DB_PASSWORD, OLD].flatMap((v) => [
  v,
  Buffer.from(v).toString('base64').replace(/=+$/, ''),
  Buffer.from(v).toString('hex'),
]);

function clean(result: Result): Result {
  for (const form of FORBIDDEN) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
  return result;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Tester',
  GIT_AUTHOR_EMAIL: 'tester@example.com',
  GIT_COMMITTER_NAME: 'Tester',
  GIT_COMMITTER_EMAIL: 'tester@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV, HOME: cwd }, encoding: 'utf8' });
}

function write(dir: string, name: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), content);
}

describe('hush scan: values and their encodings in files, history, binaries; reports without values', () => {
  const { dir, run } = useProject({}, { init: false });
  const scan = async (...args: string[]) =>
    clean(await run(['scan', ...args], { env: { HUSH_MASTER_KEY: KEY } }));
  let oldCommit: string;

  beforeAll(async () => {
    for (const [name, value] of [
      ['api-token', TOKEN],
      ['db/creds', CREDS],
      ['old/key', OLD],
      ['short', plant('abc')],
    ] as const) {
      const set = await run(['set', name], { input: value, env: { HUSH_MASTER_KEY: KEY } });
      expect(set.code, set.stderr).toBe(0);
    }
    git(dir, 'init', '-q', '-b', 'main');
    write(dir, 'README.txt', 'nothing to see\n');
    write(dir, 'old.txt', `first line\nthe key was ${OLD} here\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'first');
    oldCommit = git(dir, 'rev-parse', 'HEAD').trim();
    rmSync(join(dir, 'old.txt'));
    write(dir, 'config/app.env', `# app\nAPI_TOKEN=${TOKEN}\n`);
    write(
      dir,
      'deploy/secret.json',
      `{\n  "kind": "Secret",\n  "data": { "token": "${Buffer.from(TOKEN).toString('base64')}" }\n}\n`,
    );
    write(
      dir,
      'docker.json',
      `{"auths":{"r.example":{"auth":"${Buffer.from(`app:${TOKEN}`).toString('base64')}"}}}\n`,
    );
    write(dir, 'notes.md', `db password: ${DB_PASSWORD}\nhex: ${Buffer.from(TOKEN).toString('hex')}\n`);
    write(
      dir,
      'assets/blob.bin',
      Buffer.concat([Buffer.from([0, 1, 2, 0, 255]), Buffer.from(TOKEN), Buffer.from([0, 0])]),
    );
    write(dir, '.gitignore', '.hush/\nignored.txt\n');
    write(dir, 'ignored.txt', `${TOKEN}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'second');
  });

  it('text: every planted value by secret name and place, binaries skipped by default, exit 1', async () => {
    const result = await scan();
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('api-token  config/app.env:2:11  raw');
    expect(lines).toContain('api-token  deploy/secret.json:3:23  base64');
    expect(lines).toContain('db/creds#password  notes.md:1:14  raw');
    expect(lines).toContain('api-token  notes.md:2:6  hex');
    expect(lines.some((l) => l.startsWith('api-token  docker.json:1:') && l.endsWith('base64'))).toBe(true);
    expect(result.stdout).not.toContain('ignored.txt');
    expect(result.stdout).not.toContain('old.txt');
    expect(result.stdout).toContain(
      '1 binary file not scanned (--include-binary scans them): assets/blob.bin',
    );
    expect(result.stdout).toContain('not looked for (values shorter than --min-length): short');
  });

  it('json: matches its schema; --include-binary finds the value inside the binary', async () => {
    const result = await scan('--format', 'json', '--include-binary');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expectSchema('scan', report);
    const binary = report.findings.find((f: { file: string }) => f.file === 'assets/blob.bin');
    expect(binary).toMatchObject({
      secret: 'api-token',
      encoding: 'raw',
      offset: 5,
      binary: true,
      source: 'worktree',
    });
    expect(report.skipped.binary).toEqual([]);
    expect(report.summary.new).toBe(report.findings.length);
  });

  it('--git: a value only in an old commit is reported with that commit, file and line', async () => {
    const result = await scan('--git', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expectSchema('scan', report);
    expect(report.summary.commits).toBe(2);
    const old = report.findings.filter((f: { secret: string }) => f.secret === 'old/key');
    expect(old).toEqual([
      expect.objectContaining({ file: 'old.txt', line: 2, column: 13, commit: oldCommit, source: 'history' }),
    ]);
    // The values committed in the second commit are reported there too.
    expect(
      report.findings.some(
        (f: { file: string; source: string }) => f.file === 'config/app.env' && f.source === 'history',
      ),
    ).toBe(true);
  });

  it('sarif: a valid SARIF 2.1.0 log with one result per finding, no value in it', async () => {
    const result = await scan('--git', '--format', 'sarif', '--include-binary');
    expect(result.code).toBe(1);
    const sarif = JSON.parse(result.stdout);
    expectSarif(sarif);
    const results = sarif.runs[0].results;
    expect(results.length).toBeGreaterThanOrEqual(7);
    const old = results.find((r: { properties: { secret: string } }) => r.properties.secret === 'old/key');
    expect(old.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'old.txt', uriBaseId: '%SRCROOT%' },
      region: { startLine: 2, startColumn: 13 },
    });
    expect(old.message.text).toContain(oldCommit);
    expect(old.partialFingerprints['hushFinding/v1']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a baseline keeps fingerprints only; known findings pass, a new one fails', async () => {
    const update = await scan('--git', '--update-baseline');
    expect(update.code, update.stderr).toBe(0);
    const baselineText = readFileSync(join(dir, '.hush-scan-baseline.json'), 'utf8');
    for (const form of FORBIDDEN) expect(baselineText).not.toContain(form);
    const baseline = JSON.parse(baselineText);
    expect(baseline.version).toBe(1);
    expect(baseline.findings[0]).toEqual({
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      secret: expect.any(String),
      encoding: expect.any(String),
      file: expect.any(String),
      line: expect.any(Number),
      column: expect.any(Number),
    });
    const known = await scan('--git', '--baseline', '.hush-scan-baseline.json');
    expect(known.code, known.stdout).toBe(0);
    expect(known.stdout).toMatch(/^no findings \(and \d+ in the baseline\)/m);
    write(dir, 'later.yaml', `token: ${TOKEN}\n`);
    try {
      const fresh = await scan('--git', '--baseline', '.hush-scan-baseline.json', '--json');
      expect(fresh.code).toBe(1);
      const report = JSON.parse(fresh.stdout);
      expect(report.findings.filter((f: { baselined: boolean }) => !f.baselined)).toEqual([
        expect.objectContaining({ secret: 'api-token', file: 'later.yaml', line: 1, column: 8 }),
      ]);
    } finally {
      rmSync(join(dir, 'later.yaml'));
    }
  });

  it('paths narrow the scan; a file named explicitly is scanned even when ignored', async () => {
    const result = await scan('config', 'ignored.txt', '--json');
    const files = [...new Set(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file))];
    expect(files.sort()).toEqual(['config/app.env', 'ignored.txt']);
  });

  it('--install-hook: a commit that stages a value is refused, a clean one goes through', async () => {
    const install = await scan('--install-hook', '--baseline', '.hush-scan-baseline.json');
    expect(install.code, install.stderr).toBe(0);
    const hook = join(dir, '.git', 'hooks', 'pre-commit');
    expect(statSync(hook).mode & 0o111).toBeTruthy();
    expect((await scan('--install-hook')).code).toBe(0);
    const env = { ...process.env, ...GIT_ENV, HOME: dir, HUSH_MASTER_KEY: KEY, PATH: process.env.PATH ?? '' };
    write(dir, 'leak.txt', `pasted ${DB_PASSWORD}\n`);
    git(dir, 'add', 'leak.txt');
    let refused: { status: number | null; stderr: string; stdout: string } = {
      status: 0,
      stderr: '',
      stdout: '',
    };
    try {
      execFileSync('git', ['commit', '-qm', 'leak'], { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      refused = error as { status: number; stderr: string; stdout: string };
    }
    expect(refused.status).not.toBe(0);
    // git hands a hook's stdout to its own stderr.
    expect(refused.stdout + refused.stderr).toContain('db/creds#password  leak.txt:1:8  raw  (staged)');
    for (const form of FORBIDDEN) expect(refused.stdout + refused.stderr).not.toContain(form);
    git(dir, 'rm', '-q', '--cached', 'leak.txt');
    rmSync(join(dir, 'leak.txt'));
    write(dir, 'fine.txt', 'nothing secret\n');
    git(dir, 'add', 'fine.txt');
    execFileSync('git', ['commit', '-qm', 'fine'], { cwd: dir, env, stdio: 'pipe' });
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('fine');
  });

  it('a hook that is not ours is left alone', async () => {
    const other = tempProject();
    git(other, 'init', '-q');
    write(other, '.git/hooks/pre-commit', '#!/bin/sh\necho mine\n');
    const result = await hush(['scan', '--install-hook'], { cwd: other, env: { HUSH_MASTER_KEY: KEY } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is not hush's");
    expect(readFileSync(join(other, '.git/hooks/pre-commit'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('outside a git repository: the folder is walked with its .gitignore files; --git is refused', async () => {
    const plain = tempProject({
      'hush.config.yaml': `environments:\n  dev:\n    providers:\n      - kind: local\n        options: { path: ${join(dir, '.hush', 'secrets.enc.json')} }\n`,
      'a/.gitignore': 'skip.txt\n',
      'a/skip.txt': `${TOKEN}\n`,
      'a/keep.txt': `x ${TOKEN}\n`,
    });
    const result = clean(await hush(['scan', '--json'], { cwd: plain, env: { HUSH_MASTER_KEY: KEY } }));
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).findings).toEqual([
      expect.objectContaining({ secret: 'api-token', file: 'a/keep.txt', line: 1, column: 3 }),
    ]);
    expect((await hush(['scan', '--git'], { cwd: plain, env: { HUSH_MASTER_KEY: KEY } })).code).toBe(2);
    expect(existsSync(join(plain, '.hush-scan-baseline.json'))).toBe(false);
  });
});

describe('hush scan: each encoding a value takes in files, reported under its name', () => {
  // Characters that each encoding writes differently: '@', '/', '"', ' ', '+', 'é', '~', '>'.
  const SPECIAL = plant('scan-p@ss/"w rd+é~?>>>x');
  const bytes = Buffer.from(SPECIAL);
  const forms = {
    url: encodeURIComponent(SPECIAL),
    'form-url': new URLSearchParams({ v: SPECIAL }).toString().slice(2),
    json: JSON.stringify(SPECIAL).slice(1, -1),
    base64url: bytes.toString('base64url'),
    base64: bytes.toString('base64'),
    hex: bytes.toString('hex'),
  };
  const { run } = useProject(
    Object.fromEntries(
      Object.entries(forms).map(([kind, form]) => [`forms/${kind}.txt`, `${kind} = ${form}\n`]),
    ),
    { init: false },
  );

  it('URL-encoded, form-encoded, JSON-escaped, base64url, base64 and hex, never printed', async () => {
    const env = { HUSH_MASTER_KEY: KEY };
    expect((await run(['set', 'special'], { input: SPECIAL, env })).code).toBe(0);
    for (const format of ['json', 'text', 'sarif']) {
      const result = await run(['scan', '--format', format], { env });
      expect(result.code, result.stderr).toBe(1);
      for (const form of [SPECIAL, ...Object.values(forms)]) expect(result.stdout).not.toContain(form);
      if (format !== 'json') continue;
      const found = JSON.parse(result.stdout).findings.map((f: { file: string; encoding: string }) => [
        f.file,
        f.encoding,
      ]);
      expect(found).toEqual(
        Object.keys(forms)
          .sort()
          .map((kind) => [`forms/${kind}.txt`, kind]),
      );
    }
  });
});
