import type { Command } from 'commander';

// Help texts beyond commander's option and argument lists: what a newcomer reads first.

/** `get <name>`, not `get [options] <name>`, in the command list: every command has options. */
export const subcommandTerm = (cmd: Command): string =>
  `${cmd.name()} ${cmd.usage().replace(/^\[options\] ?/, '')}`.trimEnd();

/** `hush <command> --help` ends with a few examples. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

export const PROGRAM_HELP_AFTER = `
Values are read from stdin or a hidden prompt, never from the command line (shell history).
Without hush.config.yaml, hush uses the encrypted store .hush/secrets.enc.json (key in
HUSH_MASTER_KEY or .hush/master.key), then HUSH_SECRET_* variables.

Examples:
  hush init                                   set up hush.config.yaml, .hush/ and a master key
  hush set db/url                             asks for the value (hidden)
  printf %s "$TOKEN" | hush set api-token --tag team=web --expires 90d
  hush list --pattern 'api-*'
  DB_URL=$(hush get db/url)
  hush run -- node server.js                  secrets in its environment, its output masked
  hush render config.template.yaml -o config.yaml

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 access denied, 5 provider unavailable,
6 a file the system refused (permission denied);
run: the command's own code (127 not found, 126 not executable, 128+N killed by signal N);
130: cancelled at a prompt.
Run 'hush <command> --help' for a command's options.
`;
