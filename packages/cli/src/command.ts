// The `hush` command once bin/hush.cjs has answered `--version` itself. Built into one CommonJS
// bundle (dist/hush.cjs) with core and the built-in providers, and loaded through a V8 code cache
// (see code-cache.ts). Everything here runs before any command code: only what every command needs.
import { main } from './main.js';
import { exitAfterOutput, watchStandardStreams } from './stdio.js';

watchStandardStreams();
// Leftover timers must not keep the process alive once the command is done.
main(process.argv).then(exitAfterOutput);
