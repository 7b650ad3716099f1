// One read from a fresh process: what `hush get` or an app's start-up pays.
import { LocalSecretProvider } from '../src/provider.js';

async function main(): Promise<void> {
  const [root, masterKey, key] = process.argv.slice(2) as [string, string, string];
  const started = performance.now();
  const secret = await new LocalSecretProvider({ root, masterKey, env: {} }).get(key);
  if (!secret) throw new Error(`missing ${key}`);
  process.stdout.write(`${(performance.now() - started).toFixed(2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
