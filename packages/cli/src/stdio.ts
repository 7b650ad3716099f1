import { fstatSync, writeSync } from 'node:fs';

// process.stdout and process.stderr are made on first use, and making one costs a short command
// a good part of its start-up (for a pipe, a net.Socket: Node loads net and stream). Output goes
// to the descriptor directly while no stream exists, and `hush list | head -1` (a reader gone)
// is not an error either way.

const made = { stdout: false, stderr: false };

/** A reader that went away: leave quietly, with the exit code so far. */
function leaveOnEpipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
}

/** Handles EPIPE on stdout and stderr from the moment either stream is made, without making it. */
export function watchStandardStreams(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const get = descriptor?.get;
    if (!get || !descriptor.configurable) {
      made[name] = true;
      process[name].on('error', leaveOnEpipe);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable ?? true,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream;
        if (!made[name]) {
          made[name] = true;
          stream.on('error', leaveOnEpipe);
        }
        return stream;
      },
    });
  }
}

/**
 * Writes to stdout: straight to the descriptor while process.stdout has not been made (then
 * output stays in order), else through the stream. A descriptor that would block, or any other
 * trouble but a reader gone, hands the rest to the stream.
 */
export function writeStdout(data: string | Uint8Array): void {
  if (made.stdout) {
    process.stdout.write(data);
    return;
  }
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') leaveOnEpipe(error as NodeJS.ErrnoException);
      // EAGAIN (a non-blocking descriptor) and the like: the stream knows how to wait.
      process.stdout.write(bytes.subarray(offset));
      return;
    }
  }
}

/**
 * Whether stdout is a terminal, without making process.stdout when it cannot be one: only a
 * character device can be a terminal (a pipe or a file never is), and for a pipe the stream is a
 * socket, which loads Node's net module into a command that may print nothing at all.
 */
export function stdoutIsTerminal(): boolean {
  if (!made.stdout) {
    try {
      if (!fstatSync(1).isCharacterDevice()) return false;
    } catch {
      return false;
    }
  }
  return process.stdout.isTTY === true;
}

/** Exits with `code` once stdout has drained (a pipe to a slow reader), if it was ever made. */
export function exitAfterOutput(code: number): void {
  if (made.stdout) process.stdout.write('', () => process.exit(code));
  else process.exit(code);
}
