// The `hush` command once bin/hush.cjs has answered `--version` itself. Built into one CommonJS
// bundle (dist/hush.cjs) with core and the built-in providers, and loaded through a V8 code cache
// (see code-cache.ts). Everything here runs before any command code: only what every command needs.
import { main } from './main.js';

// `hush list | head -1`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

main(process.argv).then((code) => {
  // Let stdout drain (a pipe to a slow reader) before leaving; leftover timers must not keep us alive.
  process.stdout.write('', () => process.exit(code));
});
