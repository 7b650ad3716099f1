import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '@hush/emulators';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, hush, plant, tempProject } from './helpers.js';

checkStderrClean();
const VALUE = plant('planted-agent-cli-value-5e1f');

let emulator: AwsSecretsManagerEmulator;
const running: ChildProcess[] = [];

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator();
  const seed = new AwsSecretsManagerProvider({
    endpoint: emulator.url,
    region: emulator.region,
    credentials: emulator.credentials,
  });
  await seed.set('app/db-password', VALUE);
  await seed.dispose();
});
afterAll(async () => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await emulator?.stop();
});

function awsEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT: emulator.url,
    AWS_ACCESS_KEY_ID: emulator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function awsConfig(timeout = '5s'): string {
  return [
    'environments:',
    '  dev:',
    '    providers:',
    '      - kind: aws',
    `        timeout: ${timeout}`,
    "        options: { endpoint: '${env:AWS_ENDPOINT}', region: us-east-1, readTags: false }",
    '',
  ].join('\n');
}

interface RunningAgent {
  child: ChildProcess;
  info: { pid: number; socket: string; url?: string; tokenFile?: string };
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `hush agent` and waits for its `--json` line. */
async function startAgentProcess(cwd: string, args: string[]): Promise<RunningAgent> {
  const child = spawn(process.execPath, [BIN, 'agent', '--json', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', HUSH_ACCESSOR: 'tester', ...awsEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const info = await new Promise<RunningAgent['info']>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      try {
        resolve(JSON.parse(out));
      } catch {}
    });
    exited.then((code) => reject(new Error(`hush agent exited with ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`hush agent did not start: ${err}`)), 30_000).unref();
  });
  return { child, info, stderr: () => err, exited };
}

function get(
  target: { socket: string } | { url: string },
  path: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const where =
      'socket' in target
        ? { socketPath: target.socket }
        : { hostname: '127.0.0.1', port: Number(new URL(target.url).port) };
    const req = request({ ...where, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe('hush agent', () => {
  it('serves on a 0600 socket in a 0700 folder and on a loopback listener that needs its token', async () => {
    const dir = tempProject({ 'hush.config.yaml': awsConfig() });
    const socket = join(dir, 'run', 'agent.sock');
    const agent = await startAgentProcess(dir, ['--socket', socket, '--listen', '127.0.0.1:0']);
    expect(agent.info.socket).toBe(socket);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(statSync(agent.info.tokenFile!).mode & 0o777).toBe(0o600);
    const token = readFileSync(agent.info.tokenFile!, 'utf8').trim();

    const viaSocket = await get({ socket }, '/v1/secret/app/db-password');
    expect(JSON.parse(viaSocket.body).secret.value).toBe(VALUE);
    const url = agent.info.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get({ url }, '/v1/secret/app/db-password')).status).toBe(401);
    expect((await get({ url }, '/v1/secret/app/db-password', { 'x-hush-agent-token': 'wrong' })).status).toBe(
      401,
    );
    const refused = await get({ url }, '/v1/secret/app/db-password', {
      'x-hush-agent-token': token,
      'x-forwarded-for': '169.254.169.254',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain(VALUE);
    const ok = await get({ url }, '/v1/secret/app/db-password', { 'x-hush-agent-token': token });
    expect(JSON.parse(ok.body).secret.value).toBe(VALUE);
    const health = JSON.parse((await get({ socket }, '/v1/health')).body);
    expect(health.agent.environment).toBe('dev');
    expect(health.agent.writes).toBe(false);
    expect([0, 1]).toContain(health.agent.busyPollMs); // auto: 1 ms where a CPU is to spare

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(() => statSync(socket)).toThrow();
    expect(() => statSync(agent.info.tokenFile!)).toThrow();
    expect(agent.stderr()).not.toContain(VALUE);
    expect(agent.stderr()).toContain('refused GET /v1/secret/app/db-password');
  });

  it('reloads on SIGHUP, keeping the cache where the provider is unchanged', async () => {
    const dir = tempProject({ 'hush.config.yaml': awsConfig('5s') });
    const socket = join(dir, 'run', 'agent.sock');
    const agent = await startAgentProcess(dir, ['--socket', socket]);
    emulator.resetCalls();
    await get({ socket }, '/v1/secret/app/db-password');
    await get({ socket }, '/v1/secret/app/db-password');
    expect(emulator.calls.GetSecretValue).toBe(1);

    // Another cache setting, the same provider: the cache stays.
    writeFileSync(join(dir, 'hush.config.yaml'), `${awsConfig('5s')}cache: { maxSize: 500 }\n`);
    agent.child.kill('SIGHUP');
    await until(
      async () => agent.stderr().includes('reloaded: 1 cached entries kept (providers unchanged: aws)'),
      20_000,
    );
    expect(JSON.parse((await get({ socket }, '/v1/secret/app/db-password')).body).secret.value).toBe(VALUE);
    expect(emulator.calls.GetSecretValue).toBe(1);

    // The provider changed: its entries go.
    writeFileSync(join(dir, 'hush.config.yaml'), `${awsConfig('7s')}cache: { maxSize: 500 }\n`);
    agent.child.kill('SIGHUP');
    await until(async () => agent.stderr().includes('reloaded: 0 cached entries kept'), 20_000);
    await get({ socket }, '/v1/secret/app/db-password');
    expect(emulator.calls.GetSecretValue).toBe(2);

    // A broken configuration keeps the running one.
    writeFileSync(join(dir, 'hush.config.yaml'), 'environments: [oops\n');
    agent.child.kill('SIGHUP');
    await until(async () => agent.stderr().includes('reload failed'), 20_000);
    expect((await get({ socket }, '/v1/secret/app/db-password')).status).toBe(200);

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.stderr()).not.toContain(VALUE);
  });

  it('apps put the agent first and fall over to their own chain when it dies', async () => {
    const agentDir = tempProject({ 'hush.config.yaml': awsConfig() });
    const socket = join(agentDir, 'run', 'agent.sock');
    const agent = await startAgentProcess(agentDir, ['--socket', socket]);
    const appDir = tempProject({
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: agent',
        `        options: { socket: '${socket}' }`,
        '      - kind: aws',
        "        options: { endpoint: '${env:AWS_ENDPOINT}', region: us-east-1, readTags: false }",
        '',
      ].join('\n'),
    });
    emulator.resetCalls();
    for (let i = 0; i < 3; i++) {
      const read = await hush(['get', 'app/db-password'], { cwd: appDir, env: awsEnv() });
      expect(read.code, read.stderr).toBe(0);
      expect(read.stdout).toBe(`${VALUE}\n`);
    }
    // Three processes, one backend call: the agent's cache answered the other two.
    expect(emulator.calls.GetSecretValue).toBe(1);

    agent.child.kill('SIGKILL');
    await agent.exited;
    const after = await hush(['get', 'app/db-password'], { cwd: appDir, env: awsEnv() });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe(`${VALUE}\n`);
    expect(emulator.calls.GetSecretValue).toBe(2);
  });

  it('refuses a listener off loopback', async () => {
    const dir = tempProject({ 'hush.config.yaml': awsConfig() });
    const result = await hush(['agent', '--socket', join(dir, 'run', 'a.sock'), '--listen', '0.0.0.0:2773'], {
      cwd: dir,
      env: awsEnv(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('binds loopback only');
  });

  it('--busy-poll keeps polling after requests and counts what it spends; a bad duration is refused', async () => {
    const dir = tempProject({ 'hush.config.yaml': awsConfig() });
    const socket = join(dir, 'run', 'agent.sock');
    const bad = await hush(['agent', '--socket', socket, '--busy-poll', 'soon'], { cwd: dir, env: awsEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--busy-poll expects a duration such as 30s or 500ms, got 'soon'");

    const agent = await startAgentProcess(dir, ['--socket', socket, '--busy-poll', '5ms']);
    expect(JSON.parse((await get({ socket }, '/v1/health')).body).agent.busyPollMs).toBe(5);
    const read = await get({ socket }, '/v1/secret/app/db-password');
    expect(JSON.parse(read.body).secret.value).toBe(VALUE);
    const metrics = (await get({ socket }, '/v1/metrics')).body;
    expect(Number(/^hush_agent_busy_poll_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);

    const off = await startAgentProcess(dir, ['--socket', socket, '--busy-poll', '0']);
    expect(JSON.parse((await get({ socket }, '/v1/health')).body).agent.busyPollMs).toBe(0);
    off.child.kill('SIGTERM');
    expect(await off.exited).toBe(0);
  });
});
