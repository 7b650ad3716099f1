import { resolve } from 'node:path';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTemplate } from '../render/template.js';
import { writePrivateFile } from '../util.js';

export interface RenderOptions {
  output?: string;
  watch?: boolean;
  watchInterval: string;
  exec?: string;
}

/**
 * Resolves the `${secret:...}` references of a text file, to stdout or atomically to `-o OUT`
 * (mode 0600); nothing is written when a reference does not resolve. `--watch` renders again when
 * a referenced secret changes, then runs `--exec`.
 */
export default async function render(cli: Cli, [template]: [string], options: RenderOptions): Promise<void> {
  if (options.exec !== undefined && !options.watch)
    throw new UsageError('--exec runs after each re-render: it goes with --watch');
  if (options.watch && !options.output)
    throw new UsageError('--watch renders to a file: it needs -o OUT', 'hush render TEMPLATE -o OUT --watch');
  const rendered = await renderTemplate(cli, template, options.output ? { output: options.output } : {});
  const { text, references } = rendered;
  if (options.output) await writePrivateFile(resolve(cli.cwd, options.output), text);
  if (cli.options.json)
    // The content is in the document only when it is not written to a file.
    cli.printJson({
      template,
      output: options.output ?? null,
      references,
      ...(options.output ? {} : { content: text }),
    });
  else if (options.output)
    cli.note(
      `${cli.colors.green('✓')} wrote ${options.output} (mode 0600, ${references} reference${references === 1 ? '' : 's'} resolved)`,
    );
  else process.stdout.write(text);
  if (options.watch) {
    const { watchRender } = await import('../render/watch.js');
    await watchRender(cli, template, { ...options, output: options.output! }, rendered);
  }
}
