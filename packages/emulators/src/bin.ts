#!/usr/bin/env node
// hush-emulators <service> [--port N] [--snapshot FILE]: runs one emulator until interrupted.
import { parseArgs } from 'node:util';
import { services } from './services.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    snapshot: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const name = positionals[0];
if (values.help || !name || !(name in services)) {
  process.stderr.write(
    `usage: hush-emulators <${Object.keys(services).join('|')}> [--port N] [--host H] [--snapshot FILE]\n`,
  );
  process.exit(values.help ? 0 : 2);
}

const running = await services[name]!({
  port: values.port ? Number(values.port) : undefined,
  host: values.host,
  snapshotFile: values.snapshot,
});
process.stdout.write(`${name} emulator listening on ${running.url}\n`);
for (const [key, value] of Object.entries(running.describe())) process.stdout.write(`  ${key}: ${value}\n`);
const shutdown = async () => {
  await running.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
