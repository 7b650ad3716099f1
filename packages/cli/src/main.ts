import { CommanderError } from 'commander';
import { state } from './action.js';
import { flagIsOn } from './env-flag.js';
import { EXIT, exitCodeFor, writeJsonError } from './errors.js';
import { buildProgram, commandToDefine } from './program.js';

/** Parses and runs one command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so that a usage error is reported as JSON too.
  const json = argv.slice(2).includes('--json') || flagIsOn(process.env.HUSH_JSON);
  const only = commandToDefine(argv);
  const program = buildProgram({ json, ...(only !== undefined ? { only } : {}) });
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end parsing with exit code 0; `hush` alone (help on stderr) and every
      // parse error are usage errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return report(error, state.cli?.options.json ?? json);
  }
}

/** One error on stderr: `hush: message`, details and a hint; with --json, `{"error":{...}}`. */
function report(error: unknown, json: boolean): number {
  const debug = state.cli?.options.debug ?? flagIsOn(process.env.HUSH_DEBUG);
  const scrub = (text: string): string => (state.cli ? state.cli.mask(text) : text);
  const exitCode = exitCodeFor(error);
  if ((error as { name?: string })?.name === 'ExitPromptError') {
    if (json) writeJsonError('CANCELLED', 'cancelled');
    else process.stderr.write('hush: cancelled\n');
    return 130;
  }
  const err = error as {
    message?: string;
    hint?: string;
    details?: string[];
    stack?: string;
    code?: unknown;
  };
  const message = scrub(
    (typeof err?.message === 'string' ? err.message : String(error)).split('\n')[0] ?? '',
  );
  const details = (err?.details ?? []).map(scrub);
  const hint = err?.hint ? scrub(err.hint) : undefined;
  if (json) {
    writeJsonError(typeof err?.code === 'string' ? err.code : 'ERROR', message, hint, details);
    return exitCode;
  }
  process.stderr.write(`hush: ${message}\n`);
  for (const line of details) process.stderr.write(`  ${line}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  if (debug && err?.stack) process.stderr.write(`${scrub(err.stack)}\n`);
  return exitCode;
}
