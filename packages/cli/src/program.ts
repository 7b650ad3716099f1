import { Command, Option } from 'commander';
import { version } from '../package.json';
import type { Definitions } from './action.js';
import { accessCommands } from './definitions/access.js';
import { fileCommands } from './definitions/files.js';
import { keyCommands } from './definitions/keys.js';
import { operationCommands } from './definitions/operations.js';
import { secretCommands } from './definitions/secrets.js';
import { serviceCommands } from './definitions/services.js';
import { shellCommands } from './definitions/shell.js';
import { writeJsonError } from './errors.js';
import { PROGRAM_HELP_AFTER, subcommandTerm } from './help.js';

/** The commands by group, as `hush --help` lists them. */
const GROUPS: [heading: string, definitions: Definitions][] = [
  ['Secrets:', { ...secretCommands, ...serviceCommands }],
  ['Applications and files:', fileCommands],
  ['Migration and keys:', keyCommands],
  ['Operations and CI:', operationCommands],
  ['Audit and access control:', accessCommands],
  ['Shell:', shellCommands],
];

/** Commands that read the whole command table (completion scripts list every command). */
const NEEDS_ALL = new Set(['completion']);

/**
 * The one command a command line needs defined, when that is clear before parsing: its first
 * word names a command and no help is asked for. Defining forty commands and their options costs
 * a short command (`hush get`) a good part of its start-up; anything else gets the whole table.
 */
export function commandToDefine(argv: string[]): string | undefined {
  const name = argv[2];
  if (name === undefined || NEEDS_ALL.has(name)) return undefined;
  if (!GROUPS.some(([, definitions]) => Object.hasOwn(definitions, name))) return undefined;
  const args = argv.slice(3);
  const end = args.indexOf('--');
  const own = end < 0 ? args : args.slice(0, end);
  return own.some((a) => a === '--help' || a === '-h' || a === 'help') ? undefined : name;
}

/** Global options, accepted before the command name and after it. */
function addGlobals(command: Command, group?: string): Command {
  const options = [
    new Option(
      '-c, --config <file>',
      'configuration file (default: the nearest hush.config.yaml|yml|json; env HUSH_CONFIG)',
    ),
    new Option('-e, --env <name>', 'environment of the configuration (env HUSH_ENV)'),
    new Option('--as <accessor>', 'who is acting, for audit and access control (env HUSH_ACCESSOR)'),
    new Option('--json', 'machine-readable output (env HUSH_JSON=1)'),
    new Option('-q, --quiet', 'no progress or confirmation messages (env HUSH_QUIET=1)'),
    new Option('--no-color', 'no colours (env NO_COLOR or HUSH_NO_COLOR=1)'),
    new Option('--debug', 'stack traces on errors (env HUSH_DEBUG=1)'),
    new Option(
      '--offline',
      'no network call: remote providers answer from the persistent cache (env HUSH_OFFLINE=1)',
    ),
  ];
  for (const option of options) {
    // A command may define a global option its own way (`diff --env` is repeatable).
    if (option.long && command.options.some((o) => o.long === option.long)) continue;
    command.addOption(group ? option.helpGroup(group) : option);
  }
  return command;
}

export function buildProgram(settings: { json?: boolean; only?: string } = {}): Command {
  const program = new Command('hush');
  program
    .description('hush: secrets for applications and operators')
    .usage('<command> [options]')
    .version(version, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .configureHelp({ subcommandTerm })
    .configureOutput({
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trim();
        if (settings.json)
          writeJsonError('USAGE', message, 'run hush --help for the commands and their options');
        else write(`hush: ${message}\n`);
      },
    })
    .addHelpText('after', PROGRAM_HELP_AFTER)
    .exitOverride();
  addGlobals(program);

  const sub = (name: string, description: string): Command => program.command(name).description(description);
  for (const [heading, definitions] of GROUPS) {
    const names = settings.only === undefined ? Object.keys(definitions) : [settings.only];
    const wanted = names.filter((name) => Object.hasOwn(definitions, name));
    if (wanted.length === 0) continue;
    program.commandsGroup(heading);
    for (const name of wanted) definitions[name]!(sub);
  }

  // After each command's own options, so that they come first in `hush <command> --help`.
  const withGlobals = (commands: readonly Command[]): void => {
    for (const command of commands) {
      addGlobals(command, 'Global options:');
      withGlobals(command.commands);
    }
  };
  withGlobals(program.commands);
  return program;
}
