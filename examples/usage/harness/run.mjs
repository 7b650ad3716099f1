// Runs one example in this process: `node --import ./register.mjs run.mjs <name>`.
// The harness first sets up what the example expects to find (a manager, stubs, data), then
// imports the example, then prints one line `REPORT <json>` of what the example did.
import { examples } from './setups.mjs';

const name = process.argv[2];
const example = examples[name];
if (!example) throw new Error(`no example named ${name}`);
const context = (await example.prepare?.()) ?? {};
// An example that is not TypeScript (SQL) is run by the harness itself.
const bindings = example.run
  ? await example.run(context)
  : await import(new URL(`../snippets/${name}.ts`, import.meta.url).href);
const report = example.check ? await example.check(bindings, context) : {};
await context.dispose?.();
process.stdout.write(`\nREPORT ${JSON.stringify(report)}\n`);
// Keep-alive sockets and timers of the example must not hold the process.
process.exit(0);
