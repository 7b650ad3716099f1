import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ReadStream, WriteStream } from 'node:tty';

/** A write the agent asks for, as the operator is shown it. Never a value. */
export interface WriteRequest {
  tool: 'set_secret' | 'rotate_secret';
  name: string;
  /** The MCP client's name, as it introduced itself. */
  client: string;
  /** What will be written: `a generated value (random:32)`, `a value from the agent`. */
  detail: string;
}

/** Answers whether a write may go ahead; `signal` aborts when the agent gives up on the call. */
export type ApprovalCallback = (
  request: WriteRequest,
  options?: { signal?: AbortSignal },
) => Promise<boolean>;

/** `never` refuses every write, `always` allows each, `prompt` asks the operator at their terminal. */
export type ApprovalMode = 'never' | 'prompt' | 'always';

/** The callback for a mode; `prompt` asks on the controlling terminal (`/dev/tty`), not on stdio. */
export function approvalFor(mode: ApprovalMode, terminal = '/dev/tty'): ApprovalCallback {
  if (mode === 'always') return async () => true;
  if (mode === 'never') return async () => false;
  return (request, options) => askOnTerminal(request, terminal, options?.signal);
}

/**
 * Asks the operator, on the terminal, and answers false when there is none to ask: stdin and
 * stdout carry the protocol, so the question goes to the terminal the server was started from.
 * Only `y` or `yes` allows; any other answer, end of input (Ctrl-D) or the agent giving up on
 * the call refuses, so that a write is never approved after its request is gone.
 */
async function askOnTerminal(
  request: WriteRequest,
  terminal: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return false;
  // tty streams, not file streams: a read pending on a terminal must not hold a thread or the close.
  const fds: number[] = [];
  let input: ReadStream;
  let output: WriteStream;
  try {
    fds.push(openSync(terminal, 'r'), openSync(terminal, 'w'));
    input = new ReadStream(fds[0]!);
    output = new WriteStream(fds[1]!);
  } catch {
    for (const fd of fds) closeSync(fd);
    return false;
  }
  const rl = createInterface({ input, output });
  // A question at end of input never settles: the close of the interface answers it instead.
  const closed = new Promise<string | undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  try {
    const answer = await Promise.race([
      rl.question(
        `hush mcp: ${request.client} asks to ${request.tool.replace('_secret', '')} '${request.name}' with ${request.detail}. Allow? [y/N] `,
        signal ? { signal } : {},
      ),
      closed,
    ]);
    return answer !== undefined && /^y(es)?$/i.test(answer.trim());
  } catch {
    return false; // aborted
  } finally {
    rl.close();
    input.destroy();
    output.destroy();
  }
}
