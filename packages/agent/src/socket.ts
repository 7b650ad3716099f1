import { promises as fs } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ConfigError } from '@hush/core';

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * Makes the socket's folder ready: created 0700, or, when it exists, owned by this user and
 * closed to group and others (a loose folder is refused, as ssh refuses a loose key). A socket
 * file left by an agent that died is removed; one that still answers means another agent runs.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
    throw new ConfigError(`the socket path is longer than ${MAX_SOCKET_PATH} bytes`, {
      path: '--socket',
      hint: 'choose a shorter path',
    });
  const folder = dirname(path);
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const stat = await fs.stat(folder);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && stat.uid !== uid)
    throw new ConfigError(`the socket folder ${folder} belongs to another user`, { path: '--socket' });
  if ((stat.mode & 0o077) !== 0)
    throw new ConfigError(
      `the socket folder ${folder} is open to others (mode ${(stat.mode & 0o777).toString(8)})`,
      { path: '--socket', hint: `chmod 700 ${folder}` },
    );
  try {
    await fs.lstat(path);
  } catch {
    return;
  }
  if (await answers(path))
    throw new ConfigError(`another agent is listening on ${path}`, {
      path: '--socket',
      hint: 'stop it first',
    });
  await fs.unlink(path);
}

/** Closes the socket to everyone but its owner (the folder already is). */
export async function lockDownSocket(path: string): Promise<void> {
  await fs.chmod(path, 0o600);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
