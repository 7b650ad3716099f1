import type { Cli } from '../context.js';

/** A new master key on stdout: base64 of 32 random bytes (what HUSH_MASTER_KEY holds). */
export default async function keygen(cli: Cli): Promise<void> {
  const { generateMasterKey } = await import('@hush/provider-local');
  const key = generateMasterKey();
  if (cli.options.json) cli.printJson({ key });
  else cli.print(key);
}
