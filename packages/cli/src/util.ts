import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Cli } from './context.js';
import { UsageError } from './errors.js';

export { formatTable, isoOrEmpty } from './table.js';

/** `--tag a=b --tag c=d` → `{ a: 'b', c: 'd' }`. */
export function parseKeyValues(
  values: string[] | undefined,
  option: string,
): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} expects key=value, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Everything on stdin (used when stdin is not a terminal). */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Stdin as a value: one trailing newline (what `echo` adds) is dropped. Bytes that are not UTF-8
 * are refused (decoding would silently store U+FFFD in their place): binary data takes `--binary`.
 */
export async function readValueFromStdin(option = '--binary'): Promise<string> {
  return decodeUtf8(await readStdin(), option).replace(/\r?\n$/, '');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes as text, exactly; a ValidationError naming the offset of the first bad byte otherwise. */
export function decodeUtf8(bytes: Buffer, option: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let at = 0;
    // The longest prefix that decodes: where the first invalid sequence starts.
    for (let lo = 0, hi = bytes.length; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        at = mid;
        lo = mid + 1;
      } catch {
        hi = mid - 1;
      }
    }
    throw new UsageError(
      `the value on stdin is not valid UTF-8 (at byte ${at}); it was not stored`,
      `store binary data with ${option} (kept as base64, read back exactly with \`hush get --binary\`)`,
    );
  }
}

/** A hidden prompt on the terminal (the prompt itself goes to stderr, so stdout stays clean). */
export async function promptSecret(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: '*' }, { output: process.stderr });
}

/** Asks yes/no on a terminal; without one, refuses (a usage error) instead of hanging. */
export async function confirmOrRefuse(message: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    throw new UsageError('confirmation needed but there is no terminal to ask on', 'pass --yes to confirm');
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message, default: false }, { output: process.stderr });
}

/**
 * Writes a file readable by its owner only: a temporary file created 0600 beside it, then a rename,
 * so that the content is never visible with looser permissions, even for a moment.
 */
export async function writePrivateFile(path: string, content: string | Buffer): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** `database/url` → `DATABASE_URL`: uppercase, every other character `_`. */
export function toEnvName(secretName: string): string {
  return secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `DATABASE_URL` → `database-url`; for paths each segment is converted (`Db/API_KEY` → `db/api-key`). */
export function toSecretName(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      segment
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .join('/');
}

/** A progress bar on stderr when it is a terminal; otherwise nothing. */
export async function progressBar(
  cli: Cli,
  total: number,
  label: string,
): Promise<{ tick(): void; stop(): void }> {
  if (!cli.showProgress || total < 2) return { tick() {}, stop() {} };
  const { SingleBar, Presets } = await import('./progress-bar.js');
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

/**
 * Where a JSON or YAML parser stopped, without its excerpt of the text: V8's JSON errors quote the
 * input ("...is not valid JSON") and YAML's show the offending line, which may hold a secret.
 */
export function parseErrorLocation(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const yaml = /at line (\d+), column (\d+)/.exec(message);
  if (yaml) return `syntax error at line ${yaml[1]}, column ${yaml[2]}`;
  const position = /position (\d+)/.exec(message);
  if (position) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    return `syntax error at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
  }
  if (/Unexpected end/i.test(message)) return 'unexpected end of input';
  return 'syntax error';
}

const SPINNER_FRAMES = ['-', '\\', '|', '/'];

/**
 * A status line with a turning bar on stderr when it is a terminal, for long work that is one
 * atomic step (re-encrypting a store, a bulk import): there is no count to show, only that it runs.
 */
export function spinner(cli: Cli, label: string): { stop(): void } {
  if (!cli.showProgress) return { stop() {} };
  let frame = 0;
  const draw = () => process.stderr.write(`\r${label} ${SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length]}`);
  draw();
  const timer = setInterval(draw, 100);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write(`\r${' '.repeat(label.length + 2)}\r`);
    },
  };
}
