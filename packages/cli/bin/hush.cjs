#!/usr/bin/env node
'use strict';
// The `hush` command. `hush --version` is answered here, with nothing else loaded. Every other
// command runs a bundle (dist/hush.cjs; dist/direct.cjs first for `get NAME`, `list` and
// `run -- COMMAND`) through a V8 code cache kept in the user's cache folder.
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
} else {
  // `get NAME`, `list` and `run -- COMMAND` go to the direct path first (dist/direct.cjs), which
  // hands what it cannot answer on to the full command.
  const direct =
    (argv.length === 4 && argv[2] === 'get' && !argv[3].startsWith('-')) ||
    (argv.length === 3 && argv[2] === 'list') ||
    (argv.length > 4 && argv[2] === 'run' && argv[3] === '--');
  const bundle = direct ? '../dist/direct.cjs' : '../dist/hush.cjs';
  require('../dist/code-cache.cjs').launch(require('node:path').join(__dirname, bundle));
}
