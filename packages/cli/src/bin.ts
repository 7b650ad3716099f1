// The `hush` command (built to bin/hush.cjs, the package's bin). `hush --version` is answered here,
// with nothing else loaded. Every other command runs a bundle (dist/hush.cjs; dist/direct.cjs
// first for `get NAME`, `list` and `run -- COMMAND`) through a V8 code cache kept in the user's
// cache folder. The code-cache loader is built into this file rather than required from dist:
// one module fewer to resolve, read and compile costs a short command about 0.4 ms.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { version } from '../package.json';
import { launch } from './code-cache.js';

const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  const text = `${version}\n`;
  // One write to the descriptor: making process.stdout (a stream; a socket for a pipe) costs more
  // than the rest of this answer. A reader gone is not an error; a non-blocking stdout takes the stream.
  try {
    writeSync(1, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(text);
    else if (code !== 'EPIPE') throw error;
  }
} else {
  // `get NAME`, `list` and `run -- COMMAND` go to the direct path first (dist/direct.cjs), which
  // hands what it cannot answer on to the full command.
  const direct =
    (argv.length === 4 && argv[2] === 'get' && !argv[3]!.startsWith('-')) ||
    (argv.length === 3 && argv[2] === 'list') ||
    (argv.length > 4 && argv[2] === 'run' && argv[3] === '--');
  launch(join(__dirname, '..', 'dist', direct ? 'direct.cjs' : 'hush.cjs'));
}
