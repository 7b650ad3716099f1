import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';

/** A write the agent asks for, as the operator is shown it. Never a value. */
export interface WriteRequest {
  tool: 'set_secret' | 'rotate_secret';
  name: string;
  /** The MCP client's name, as it introduced itself. */
  client: string;
  /** What will be written: `a generated value (random:32)`, `a value from the agent`. */
  detail: string;
}

/** Answers whether a write may go ahead. */
export type ApprovalCallback = (request: WriteRequest) => Promise<boolean>;

/** `never` refuses every write, `always` allows each, `prompt` asks the operator at their terminal. */
export type ApprovalMode = 'never' | 'prompt' | 'always';

/** The callback for a mode; `prompt` asks on the controlling terminal (`/dev/tty`), not on stdio. */
export function approvalFor(mode: ApprovalMode, terminal = '/dev/tty'): ApprovalCallback {
  if (mode === 'always') return async () => true;
  if (mode === 'never') return async () => false;
  return (request) => askOnTerminal(request, terminal);
}

/**
 * Asks the operator, on the terminal, and answers false when there is none to ask: stdin and
 * stdout carry the protocol, so the question goes to the terminal the server was started from.
 */
async function askOnTerminal(request: WriteRequest, terminal: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(terminal, 'r+');
  } catch {
    return false;
  }
  const rl = createInterface({ input: handle.createReadStream(), output: handle.createWriteStream() });
  try {
    const answer = await rl.question(
      `hush mcp: ${request.client} asks to ${request.tool.replace('_secret', '')} '${request.name}' with ${request.detail}. Allow? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    await handle.close().catch(() => undefined);
  }
}
