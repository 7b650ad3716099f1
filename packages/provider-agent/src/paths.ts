// The agent's wire places, shared by the client here and by `@hush/agent`, which imports them.
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The header a TCP client sends the agent's token in, on every request. */
export const TOKEN_HEADER = 'x-hush-agent-token';

/**
 * Where the agent listens when no `--socket` is given, and where clients look for it:
 * `HUSH_AGENT_SOCKET`, else `$XDG_RUNTIME_DIR/hush/agent.sock`, else `<tmp>/hush-<uid>/agent.sock`.
 */
export function defaultSocketPath(env: Record<string, string | undefined> = process.env): string {
  if (env.HUSH_AGENT_SOCKET) return env.HUSH_AGENT_SOCKET;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'hush', 'agent.sock');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `hush-${uid}`, 'agent.sock');
}

/** The token file beside the socket (`agent.token`), unless `HUSH_AGENT_TOKEN_FILE` says otherwise. */
export function defaultTokenFile(
  socketPath: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return env.HUSH_AGENT_TOKEN_FILE ?? join(dirname(socketPath), 'agent.token');
}

/** Names that go into a path as they are: what a valid secret name holds. */
const PLAIN_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** Whether a name goes into a path as it is, nothing escaped (what the agent's plain-read lane serves). */
export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

/** A secret name as a path (or query) part: each segment percent-encoded where it needs it. */
export function pathName(name: string): string {
  return isPlainName(name) ? name : name.split('/').map(encodeURIComponent).join('/');
}
