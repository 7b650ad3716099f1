#!/usr/bin/env node
// Start-up cost matters (`$(hush get x)` runs often): this file loads commander and the command
// table only; each command's module and everything it needs are imported when it runs.
import { CommanderError } from 'commander';
import { EXIT, exitCodeFor } from './errors.js';
import { buildProgram, state } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end parsing with exit code 0; `hush` alone (help on stderr) and every
      // parse error are usage errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return report(error);
  }
}

function report(error: unknown): number {
  const debug = state.cli?.options.debug ?? /^(1|true|yes|on)$/i.test(process.env.HUSH_DEBUG ?? '');
  const scrub = (text: string): string => (state.cli ? state.cli.mask(text) : text);
  if ((error as { name?: string })?.name === 'ExitPromptError') {
    process.stderr.write('hush: cancelled\n');
    return 130;
  }
  const err = error as { message?: string; hint?: string; details?: string[]; stack?: string };
  const message = typeof err?.message === 'string' ? err.message : String(error);
  process.stderr.write(`hush: ${scrub(message.split('\n')[0] ?? '')}\n`);
  for (const line of err?.details ?? []) process.stderr.write(`  ${scrub(line)}\n`);
  if (err?.hint) process.stderr.write(`hint: ${scrub(err.hint)}\n`);
  if (debug && err?.stack) process.stderr.write(`${scrub(err.stack)}\n`);
  return exitCodeFor(error);
}

// `hush list | head -1`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

const code = await main(process.argv);
// Let stdout drain (a pipe to a slow reader) before leaving; leftover timers must not keep us alive.
process.stdout.write('', () => process.exit(code));
