// The processes of the fleet benchmark: its clients, its agent and its redis-server, each started
// and stopped so that none is left behind and none can report before it has been heard.
import { execFile, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Clients not yet exited: an interrupted run kills them. */
export const liveClients = new Set();

/**
 * One client process. Its stderr is kept (the SDK's warnings are not worth a line of the report)
 * to explain a client that dies, and shown through `redact`, so never with a value in it.
 */
export function startClient(env) {
  const child = fork(here('./fleet-client.mjs'), [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env });
  liveClients.add(child);
  child.once('exit', () => liveClients.delete(child));
  child.stderrText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    child.stderrText += chunk;
  });
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  return child;
}

/**
 * The client's next message that `wanted` accepts (others are progress, for the fault runs). A client that goes away first fails the run, with its stderr. That
 * is decided on 'close' (the exit, stderr and the IPC channel all done, so every message it sent
 * has been heard), never on 'exit', which can overtake a large message still in the pipe.
 */
export function nextMessage(child, redact, wanted = () => true) {
  return new Promise((resolve, reject) => {
    const onClose = (code, signal) => {
      const err = redact(child.stderrText).trim();
      const why = err ? `; its stderr:\n${err}` : '; it wrote nothing on stderr';
      reject(new Error(`a client exited with ${code ?? signal} before answering${why}`));
    };
    const onMessage = (message) => {
      if (!wanted(message)) return;
      child.off('close', onClose);
      child.off('message', onMessage);
      resolve(message);
    };
    child.once('close', onClose);
    child.on('message', onMessage);
  });
}

/**
 * Lets a client go (it exits when the channel closes, so only once its result is in) and waits
 * for its exit; a stuck one is killed. 'exit', not 'close': after the parent's own disconnect()
 * Node never emits 'close'.
 */
export async function release(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

/** The benchmark's agent process (what `hush agent` runs), serving on a socket of its own. */
export function startAgentProcess(work, env, cleanups) {
  const socket = join(mkdtempSync(join(work, 'agent-')), 'run', 'agent.sock');
  const child = fork(here('./fleet-agent.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...env, FLEET_SOCKET: socket },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('message', (ready) =>
      resolve({
        socket,
        pid: child.pid,
        busyPollMs: ready.busyPollMs,
        kill: () => child.kill('SIGKILL'),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`the agent exited with ${code}`)));
  });
}

/**
 * A redis-server of the benchmark's own (the fault run stops it), started by the repository's
 * scripts/ci-redis.sh with a state file in `work`, so no other run's server is touched; undefined
 * when Redis cannot be had (the script says why on stderr).
 */
export async function startRedis(work, cleanups) {
  const script = here('../../../scripts/ci-redis.sh');
  const env = { ...process.env, HUSH_CI_REDIS_STATE: join(work, 'redis.state') };
  // Asynchronous: the emulator answers in this process, and must not stall while Redis stops.
  const run = (command) =>
    new Promise((resolve, reject) =>
      execFile('bash', [script, command], { env }, (error, stdout, stderr) =>
        error ? reject(Object.assign(error, { stderr })) : resolve(stdout.trim()),
      ),
    );
  let url;
  try {
    url = await run('start');
  } catch (error) {
    console.log(
      `no Redis: ${String(error.stderr ?? error.message)
        .trim()
        .split('\n')
        .pop()}`,
    );
    return undefined;
  }
  let stopped;
  const stop = () => {
    stopped ??= run('stop').catch(() => undefined);
    return stopped;
  };
  cleanups.push(stop);
  return { url, stop };
}
