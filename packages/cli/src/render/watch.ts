import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Cli } from '../context.js';
import { durationOption } from '../duration-option.js';
import { recordChanges } from '../run/audit.js';
import type { Trigger } from '../run/supervisor.js';
import { watchSources } from '../run/watch.js';
import { writePrivateFile } from '../util.js';
import { type Rendered, renderTemplate } from './template.js';

/** Quiet time after a burst of file events before the secrets are read again. */
const DEBOUNCE_MS = 200;

/** Names whose value differs between two renderings (added, removed or changed), sorted. */
function changedSecrets(before: Rendered, after: Rendered): string[] {
  const names = new Set([...before.secrets.keys(), ...after.secrets.keys()]);
  return [...names].filter((name) => before.secrets.get(name) !== after.secrets.get(name)).sort();
}

/** Runs the reload hook through the shell, to its end: its exit code (128+N for a signal N). */
function runHook(command: string, cwd: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolvePromise(127));
    child.once('exit', (code, signal) =>
      resolvePromise(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
    );
  });
}

/**
 * `render --watch`: renders the template again when a secret it references changes (a local store
 * by file events, other providers by polling), writes the output atomically, says which secrets
 * changed (never their values) and runs `--exec`. Ends, with exit code 0, on SIGINT or SIGTERM.
 */
export async function watchRender(
  cli: Cli,
  template: string,
  options: { output: string; watchInterval: string; exec?: string },
  first: Rendered,
): Promise<void> {
  const intervalMs = durationOption(options.watchInterval, '--watch-interval');
  const manager = await cli.manager();
  let last = first;
  let pending: Trigger | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();

  const again = async (trigger: Trigger): Promise<void> => {
    let next: Rendered;
    try {
      next = await renderTemplate(cli, template, { output: options.output, fresh: trigger === 'file' });
    } catch (error) {
      // The file as last written stays; the next change is tried again.
      cli.warn(
        `re-rendering ${template} failed, ${options.output} kept as it was: ${(error as Error).message}`,
      );
      return;
    }
    const changed = changedSecrets(last, next);
    if (changed.length === 0) return;
    await writePrivateFile(resolve(cli.cwd, options.output), next.text);
    last = next;
    process.stderr.write(`hush: secrets changed (${changed.join(', ')}): re-rendered ${options.output}\n`);
    await recordChanges(cli, changed, 'render');
    if (options.exec !== undefined) {
      const code = await runHook(options.exec, cli.cwd);
      if (code !== 0) process.stderr.write(`hush: --exec exited with code ${code}\n`);
    }
  };

  const poke = (trigger: Trigger) => {
    // A file event wins over a poll: it needs a read past the cache.
    pending = pending === 'file' ? 'file' : trigger;
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        const due = pending!;
        pending = undefined;
        chain = chain.then(() => again(due));
      },
      Math.min(DEBOUNCE_MS, intervalMs),
    );
  };

  const sources = watchSources(manager, { intervalMs, poke });
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  sources.close();
  clearTimeout(timer);
  // A re-render under way is finished, never cut half-written (the write is atomic anyway).
  await chain;
}
