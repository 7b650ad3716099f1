#!/usr/bin/env node
// hush-emulators <service> [--port N] [--host H] [--snapshot FILE] [faults]: runs one emulator until interrupted.
import { parseArgs } from 'node:util';
import type { FaultOptions } from './faults.js';
import { services } from './services.js';

const usage = `usage: hush-emulators <vault|aws|azure|gcp|k8s> [--port N] [--host H] [--snapshot FILE]
                      [--latency-ms N] [--error-rate 0..1] [--throttle-rate 0..1] [--outage]
`;

function fail(message: string): never {
  process.stderr.write(`hush-emulators: ${message}\n${usage}`);
  process.exit(2);
}

/** The command line, or a usage error (exit 2) for an unknown flag or a missing value. */
function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        snapshot: { type: 'string' },
        'latency-ms': { type: 'string' },
        'error-rate': { type: 'string' },
        'throttle-rate': { type: 'string' },
        outage: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}
const { positionals, values } = parse();

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const name = positionals[0];
if (!name) fail('which emulator?');
if (!Object.hasOwn(services, name)) fail(`unknown emulator '${name}'`);

/** A number flag within [min, max], or a usage error naming the flag. */
function numberFlag(
  flag: string,
  text: string | undefined,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > max)
    fail(`--${flag} must be a number from 0 to ${max === Number.POSITIVE_INFINITY ? 'any' : max}`);
  return value;
}

const port = numberFlag('port', values.port, 65_535);
const faults: FaultOptions = {};
const latencyMs = numberFlag('latency-ms', values['latency-ms']);
const errorRate = numberFlag('error-rate', values['error-rate'], 1);
const throttleRate = numberFlag('throttle-rate', values['throttle-rate'], 1);
if (latencyMs !== undefined) faults.latencyMs = latencyMs;
if (errorRate !== undefined) faults.errorRate = errorRate;
if (throttleRate !== undefined) faults.throttleRate = throttleRate;
if (values.outage) faults.outage = true;

const running = await services[name]!({
  port,
  host: values.host,
  snapshotFile: values.snapshot,
  ...(Object.keys(faults).length ? { faults } : {}),
});
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Printed last, so that whoever waits for these lines can signal the process right away.
process.stdout.write(`${name} emulator listening on ${running.url}\n`);
for (const [key, value] of Object.entries(running.describe())) process.stdout.write(`  ${key}: ${value}\n`);
