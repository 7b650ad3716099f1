import { constants } from 'node:os';
import type { ChunkMasker } from '@hush/core';
import type { ChildOutcome, RunningChild, StartOptions } from './child.js';

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/**
 * Starts the command under a pseudo-terminal (node-pty), so that it sees a terminal (colours,
 * progress bars, prompts) while hush still masks what it prints: the pty's output goes through
 * the masker to our stdout. Our terminal's size is given to the pty and every resize follows;
 * our stdin, in raw mode when it is a terminal, is passed through byte for byte (Ctrl-C included:
 * the pty's line discipline turns it into SIGINT for the command). stderr shares the pty.
 */
export async function startInTerminal(options: StartOptions & { file: string }): Promise<RunningChild> {
  const pty = await import('@lydell/node-pty');
  const stdout = process.stdout;
  const term = pty.spawn(options.file, options.args, {
    name: options.env.TERM ?? 'xterm-256color',
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: options.cwd,
    env: options.env as Record<string, string>,
    encoding: null,
  });
  let done = false;
  // Made when the command first prints, as for pipes (see pipeMasked).
  let masker: ChunkMasker | undefined;
  const send = (bytes: Buffer) => {
    if (bytes.length > 0) stdout.write(bytes);
  };
  term.onData((data: string | Buffer) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (options.masking) masker ??= options.masking();
    send(masker ? masker.write(chunk) : chunk);
  });

  const onResize = () => term.resize(stdout.columns || 80, stdout.rows || 24);
  stdout.on('resize', onResize);
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  const onInput = (chunk: Buffer) => {
    if (!done) term.write(chunk as unknown as string);
  };
  // Piped input ends with an end-of-file for the command: ^D at the start of a line of the pty.
  const onEnd = () => {
    if (!done) term.write('\u0004');
  };
  stdin.on('data', onInput);
  stdin.on('end', onEnd);
  stdin.resume();

  const exited = new Promise<ChildOutcome>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      done = true;
      stdout.off('resize', onResize);
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      if (masker) send(masker.end());
      const name = signal ? (SIGNAL_NAMES.get(signal) ?? null) : null;
      resolve({ code: name ? null : exitCode, signal: name });
    });
  });
  return {
    pid: term.pid,
    kill(signal) {
      if (!done) term.kill(signal);
    },
    exited,
  };
}
