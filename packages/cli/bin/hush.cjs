#!/usr/bin/env node
'use strict';
// The `hush` command. `hush --version` is answered here, in CommonJS: an ES module entry point
// costs Node about a third of its own start-up more. Everything else is the ES module build.
const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  const text = `${require('../package.json').version}\n`;
  // One write to the descriptor: making process.stdout (a stream; a socket for a pipe) costs more
  // than the rest of this answer. A reader gone is not an error; a non-blocking stdout takes the stream.
  try {
    require('node:fs').writeSync(1, text);
  } catch (error) {
    if (error.code === 'EAGAIN') process.stdout.write(text);
    else if (error.code !== 'EPIPE') throw error;
  }
} else import('../dist/bin.js');
