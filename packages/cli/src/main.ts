import { CommanderError } from 'commander';
import { state } from './action.js';
import { flagIsOn } from './env-flag.js';
import { EXIT, reportError } from './errors.js';
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
    const cli = state.cli;
    return reportError(error, {
      json: cli?.options.json ?? json,
      debug: cli?.options.debug ?? flagIsOn(process.env.HUSH_DEBUG),
      scrub: (text) => (cli ? cli.mask(text) : text),
    });
  }
}
