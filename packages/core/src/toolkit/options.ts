import { ConfigError, ValidationError } from '../errors.js';

/**
 * Refuses an option the callee does not know, instead of ignoring it: a misspelt option
 * (`requird: true`, `patern: 'api-*'`) would otherwise change nothing, silently. Options set to
 * `undefined` count as absent. The error names the option, the call and the nearest known name:
 * a `ValidationError` for the options of a call, a `ConfigError` (with the option as its path)
 * for those of a constructor (`as: 'config'`).
 */
export function refuseUnknownOptions(
  options: unknown,
  known: readonly string[],
  where: string,
  as: 'input' | 'config' = 'input',
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options))
    throw as === 'config'
      ? new ConfigError(`${where}: expected an options object`)
      : new ValidationError(`${where}: expected an options object`);
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || known.includes(name)) continue;
    const message = `${where}: unknown option '${name}'${suggestion(name, known)}`;
    const hint = `${where} takes: ${known.join(', ')}`;
    throw as === 'config'
      ? new ConfigError(message, { path: name, hint })
      : new ValidationError(message, { hint });
  }
}

/** The option names of an options type, all of them: `optionNames<GetSecretOptions>()({ ... })`. */
export function optionNames<T>(): (names: Record<keyof T, true>) => readonly string[] {
  return (names) => Object.keys(names);
}

/** ` (did you mean 'x'?)` for a name one or two edits away from a known one. */
export function suggestion(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}
