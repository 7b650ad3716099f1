import { globToRegExp } from '@hush/core';

// Secret names never contain these characters (see @hush/core validateSecretName), so a grant
// target holding one of them is a pattern and can never be mistaken for a name.
const GLOB_CHARS = /[*?[\]{}()!+@]/;

const MATCH_ALL = new Set(['*', '**']);

const matchers = new Map<string, (name: string) => boolean>();

export function isPattern(target: string): boolean {
  return GLOB_CHARS.test(target);
}

/** A bare `*` or `**` covers every name, nested ones included. */
export function isMatchAll(target: string): boolean {
  return MATCH_ALL.has(target);
}

function matcherFor(target: string): (name: string) => boolean {
  let matcher = matchers.get(target);
  if (!matcher) {
    if (isMatchAll(target)) matcher = () => true;
    else if (!isPattern(target)) matcher = (name) => name === target;
    else {
      // The one glob dialect of hush: `hush list --pattern` reads a pattern the same way.
      const regex = globToRegExp(target);
      matcher = (name) => regex.test(name);
    }
    // Targets come from a bounded set of grants; the cap only guards against unbounded growth.
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(target, matcher);
  }
  return matcher;
}

/** Whether a grant on `target` (a name or a pattern) applies to the secret `name`. */
export function targetMatches(target: string, name: string): boolean {
  return matcherFor(target)(name);
}

/** Throws when the pattern cannot be compiled. */
export function compilePattern(pattern: string): void {
  matcherFor(pattern);
}
