#!/usr/bin/env node
'use strict';
// The `hush` command. `hush --version` is answered here, in CommonJS: an ES module entry point
// costs Node about a third of its own start-up more. Everything else is the ES module build.
const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V'))
  process.stdout.write(`${require('../package.json').version}\n`);
else import('../dist/bin.js');
