import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Cli } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { checkAssignments, isDotenvName } from '../variables.js';

// `$${secret:x}` is the literal text `${secret:x}`; the reference ends at the first `}`.
const REFERENCE = /(\$?)\$\{secret:([^}]*)\}/g;

/** A template, rendered: its text, how many references it resolved, and the value of each secret read. */
export interface Rendered {
  text: string;
  references: number;
  /** Secret name → its value as read (null: not found), to tell which secrets changed. */
  secrets: Map<string, string | null>;
}

/**
 * Resolves `${secret:name}`, `${secret:name:default}`, `${secret:name#field}` and `${secret:name@previous}` anywhere in a text
 * file. Every unresolved reference is reported at once as file:line:column. `fresh` reads past the
 * manager's cache (after a store changed on disk).
 */
export async function renderTemplate(
  cli: Cli,
  template: string,
  { output, fresh }: { output?: string; fresh?: boolean } = {},
): Promise<Rendered> {
  const core = await import('@hush/core');
  let text: string;
  try {
    text = await readFile(resolve(cli.cwd, template), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${template} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // A dotenv template must not assign one variable from two secrets: checked before any read.
  if (isDotenvName(template) || (output !== undefined && isDotenvName(output)))
    checkAssignments(text, (line) =>
      [...line.matchAll(REFERENCE)].filter((m) => m[1] !== '$').map((m) => core.parseReference(m[2]!).name),
    );
  const matches = [...text.matchAll(REFERENCE)];
  const references = matches.filter((m) => m[1] !== '$').map((m) => core.parseReference(m[2]!));
  const manager = await cli.manager();
  const values = await readReferenced(cli, [...new Set(references.map((r) => r.name))], fresh);
  const locate = locator(text);

  const problems: string[] = [];
  let denied = false;
  let out = '';
  let last = 0;
  for (const match of matches) {
    out += text.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[1] === '$') {
      out += match[0].slice(1);
      continue;
    }
    const reference = core.parseReference(match[2]!);
    const found = values.get(reference.name)!;
    let value: string | undefined;
    let reason: string | undefined;
    if ('reason' in found) {
      reason = found.reason;
      denied ||= found.code === 'ACCESS_DENIED';
    } else if (found.value === null) reason = 'not found';
    else if (reference.field !== undefined) {
      value = core.extractField(found.value, reference.field);
      if (value === undefined) reason = `no field '${reference.field}'`;
      else manager.masker.add(value);
    } else value = found.value;
    // A default is for a secret (or field) that does not exist: never for one the caller may not
    // read, nor for a lookup that failed.
    if (value === undefined && reference.default !== undefined && !('reason' in found))
      value = reference.default;
    if (value === undefined) {
      problems.push(
        `${template}:${locate(match.index)}: \${secret:${reference.name}${reference.field !== undefined ? `#${reference.field}` : ''}} (${reason})`,
      );
      continue;
    }
    out += value;
  }
  out += text.slice(last);

  if (problems.length > 0)
    throw Object.assign(
      new CliError(
        `${problems.length} unresolved secret reference${problems.length === 1 ? '' : 's'} in ${template}`,
        denied ? EXIT.denied : EXIT.notFound,
        undefined,
        problems,
      ),
      {
        code: denied ? 'ACCESS_DENIED' : 'UNRESOLVED_REFERENCES',
      },
    );
  const secrets = new Map<string, string | null>();
  for (const [name, found] of values) if ('value' in found) secrets.set(name, found.value);
  return { text: out, references: references.length, secrets };
}

type Lookup = { value: string | null } | { reason: string; code?: string };

/** Each referenced secret, or why it could not be read (the reason names no value). */
async function readReferenced(
  cli: Cli,
  names: string[],
  fresh: boolean | undefined,
): Promise<Map<string, Lookup>> {
  const core = await import('@hush/core');
  const manager = await cli.manager();
  const values = new Map<string, Lookup>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const reference = core.splitPreviousReference(name);
        (core.validateSecretName as (name: unknown) => void)(reference.name);
        const secret = await manager.getSecret(reference.name, {
          accessor: cli.accessor,
          ...(reference.previous ? { previous: true } : {}),
          ...(fresh ? { fresh } : {}),
        });
        values.set(name, { value: secret ? secret.value : null });
      } catch (error) {
        const code = (error as { code?: string }).code;
        values.set(name, {
          reason: code ? code.toLowerCase().replace(/_/g, ' ') : 'lookup failed',
          ...(code ? { code } : {}),
        });
      }
    }),
  );
  return values;
}

/** `line:column` (1-based) of an index into the text. */
function locator(text: string): (index: number) => string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  return (index: number): string => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return `${lo + 1}:${index - lineStarts[lo]! + 1}`;
  };
}
