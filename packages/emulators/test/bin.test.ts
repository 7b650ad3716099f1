import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The built command, as a user runs it (the test task builds first).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');

interface Started {
  child: ChildProcess;
  lines: Record<string, string>;
  url: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `hush-emulators ...args` and resolves once it printed where it listens and every detail in `keys`. */
function start(args: string[], keys: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no start within 30 s: ${out}${err}`)), 30_000);
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const url = /listening on (\S+)\n/.exec(out)?.[1];
      const lines = Object.fromEntries(
        [...out.matchAll(/^ {2}([^:]+): (.*)\n/gm)].map((m) => [m[1]!, m[2]!] as [string, string]),
      );
      if (!url || !keys.every((key) => key in lines)) return;
      clearTimeout(timer);
      resolve({ child, lines, url });
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}${err}`)));
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('the hush-emulators command (built bin)', () => {
  it.each([
    ['vault', ['VAULT_ADDR', 'VAULT_TOKEN']],
    ['aws', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'region']],
    ['azure', ['vaultUrl', 'token', 'caFile']],
    ['gcp', ['apiEndpoint', 'token', 'caFile']],
    ['k8s', ['token', 'kubeconfig']],
    ['kubernetes', ['token', 'kubeconfig']],
  ])(
    '%s --port N listens on 127.0.0.1:N, prints how to connect, and stops on SIGTERM',
    async (service, keys) => {
      const port = await freePort();
      const { child, lines, url } = await start([service, '--port', String(port)], keys);
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(new URL(url).port).toBe(String(port));
      expect(await connects(port)).toBe(true);
      const files = [lines.caFile, lines.kubeconfig].filter((f): f is string => Boolean(f));
      for (const file of files) expect(existsSync(file)).toBe(true);
      expect(await stop(child)).toBe(0);
      expect(await connects(port)).toBe(false);
      // What it wrote for other processes goes with it.
      for (const file of files) expect(existsSync(file)).toBe(false);
    },
  );

  it('vault --port 8200 style: serves sys/health with the root token it prints', async () => {
    const port = await freePort();
    const { child, lines } = await start(['vault', '--port', String(port)], ['VAULT_ADDR', 'VAULT_TOKEN']);
    expect(lines.VAULT_ADDR).toBe(`http://127.0.0.1:${port}`);
    const health = await fetch(`${lines.VAULT_ADDR}/v1/sys/health`);
    expect(health.status).toBe(200);
    const self = await fetch(`${lines.VAULT_ADDR}/v1/auth/token/lookup-self`, {
      headers: { 'x-vault-token': lines.VAULT_TOKEN! },
    });
    expect(self.status).toBe(200);
    expect(await stop(child)).toBe(0);
  });

  it('starts with the faults given as flags', async () => {
    const { child, lines } = await start(['vault', '--error-rate', '1'], ['VAULT_ADDR']);
    expect((await fetch(`${lines.VAULT_ADDR}/v1/sys/health`)).status).toBe(500);
    expect(await stop(child)).toBe(0);
  });

  it('refuses an unknown service, a missing one and a bad flag value with exit code 2', async () => {
    for (const args of [
      ['nope'],
      [],
      ['vault', '--error-rate', '2'],
      ['vault', '--port', 'x'],
      ['vault', '--bogus'],
    ]) {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let err = '';
      child.stderr.on('data', (chunk) => (err += chunk));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain('usage: hush-emulators');
    }
  });
});
