import { ValidationError } from './errors.js';

/**
 * The one glob dialect of hush, for `listSecrets({ pattern })` (`hush list --pattern`) and for
 * access-control grants alike:
 * - `*` matches within one path segment (never `/`); a pattern that is only `*` or `**`
 *   matches every name, nested ones included;
 * - `**` matches across segments; `a/**` matches every name under `a/` (not `a` itself), and
 *   `**​/x` also matches `x`;
 * - `?` matches one character other than `/`;
 * - `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) match one character of (not of) a set;
 * - `{a,b}` matches either alternative (alternatives may nest and hold wildcards);
 * - `\` takes the next character literally; everything else is literal.
 * Extended globs (`!(x)`, `+(x)`, `@(x)`) are refused with a `ValidationError`: secret names
 * never contain those characters, so such a pattern could only be a mistake.
 */
export function globToRegExp(pattern: string): RegExp {
  if (typeof pattern !== 'string' || pattern === '')
    throw new ValidationError('a glob pattern cannot be empty');
  if (pattern === '*' || pattern === '**') return /^.+$/;
  let position = 0;
  const fail = (why: string): never => {
    throw new ValidationError(`invalid glob pattern ${JSON.stringify(pattern.slice(0, 200))}: ${why}`);
  };

  const sequence = (inBraces: boolean): string => {
    let source = '';
    while (position < pattern.length) {
      const char = pattern[position]!;
      if (inBraces && (char === ',' || char === '}')) return source;
      position++;
      if (char === '\\') {
        if (position >= pattern.length) fail('it ends with a lone backslash');
        source += literal(pattern[position++]!);
      } else if (char === '*' && pattern[position] === '*') {
        position++;
        const slash = pattern[position] === '/';
        if (slash) position++;
        source += slash ? '(?:.*/)?' : '.*';
      } else if (char === '*') source += '[^/]*';
      else if (char === '?') source += '[^/]';
      else if (char === '[') source += characterClass();
      else if (char === '{') source += alternatives();
      else if (char === '}' || char === ']') fail(`'${char}' without its opening bracket`);
      else if (char === '(' || char === ')') fail('extended globs (!(x), +(x), @(x)) are not supported');
      else source += literal(char);
    }
    if (inBraces) fail("'{' without its closing '}'");
    return source;
  };

  const alternatives = (): string => {
    const options: string[] = [];
    for (;;) {
      options.push(sequence(true));
      if (position >= pattern.length) fail("'{' without its closing '}'");
      const separator = pattern[position++];
      if (separator === '}') break;
    }
    return `(?:${options.join('|')})`;
  };

  const characterClass = (): string => {
    const close = pattern.indexOf(']', position + 1);
    if (close < 0) fail("'[' without its closing ']'");
    let body = pattern.slice(position, close);
    position = close + 1;
    const negated = body.startsWith('!') || body.startsWith('^');
    if (negated) body = body.slice(1);
    if (body === '') fail('an empty character class');
    const members = body.replace(/[\\\]^]/g, '\\$&');
    // A class never matches '/', so that it stays within one segment like '*' and '?'.
    return negated ? `[^/${members}]` : `(?!/)[${members}]`;
  };

  return new RegExp(`^${sequence(false)}$`);
}

function literal(char: string): string {
  return char.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

const compiled = new Map<string, RegExp>();

/** Whether `name` matches the glob `pattern` (see `globToRegExp`); compiled patterns are reused. */
export function matchesGlob(name: string, pattern: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = globToRegExp(pattern);
    // Patterns come from grants and list calls: a bounded set; the cap only guards against growth.
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(name);
}
