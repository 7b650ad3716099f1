#!/usr/bin/env node
// Start-up cost matters (`$(hush get x)` runs often): `hush --version` loads nothing but this
// file; every other command loads the command table, then only its own command's module.

// Set by the build (tsup `define`): importing package.json here would pull in a shared chunk.
declare const HUSH_VERSION: string;

const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  process.stdout.write(`${HUSH_VERSION}\n`);
} else {
  // `hush list | head -1`: a reader that goes away is not an error.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  const { main } = await import('./main.js');
  const code = await main(argv);
  // Let stdout drain (a pipe to a slow reader) before leaving; leftover timers must not keep us alive.
  process.stdout.write('', () => process.exit(code));
}

export {};
