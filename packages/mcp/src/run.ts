import { spawn } from 'node:child_process';

export interface RunRequest {
  command: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
}

/** Runs a command (no shell: arguments are passed as they are) and collects its output. */
export function runCommand(request: RunRequest): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = request.command;
    const child = spawn(file!, args, {
      env: request.env,
      ...(request.cwd ? { cwd: request.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (size + chunk.length > request.maxOutputBytes) {
        truncated = true;
        chunk = chunk.subarray(0, Math.max(0, request.maxOutputBytes - size));
      }
      size += chunk.length;
      if (chunk.length) into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, request.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        truncated,
      });
    });
  });
}
