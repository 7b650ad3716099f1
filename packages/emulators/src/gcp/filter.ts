/**
 * The list filter of Secret Manager, after Google's filtering grammar (AIP-160): restrictions
 * `field op value` with `=`, `!=`, `<`, `<=`, `>`, `>=` and `:` (has), joined by AND, OR (which
 * binds tighter than AND, as the grammar says) or juxtaposition, negated by NOT or `-`, grouped by
 * parentheses. Fields: `name`, `labels.<key>`, `annotations.<key>`, `state`, `create_time`,
 * `expire_time`, `replication.automatic`.
 */

/** What a filter looks at in one secret or version; timestamps in epoch ms. */
export interface FilterFields {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
  create_time?: number;
  expire_time?: number;
}

export type Predicate = (fields: FilterFields) => boolean;

/** Thrown for a filter that does not parse; the caller answers INVALID_ARGUMENT with its message. */
export class FilterSyntaxError extends Error {}

type Token = { kind: 'word' | 'string' | 'op' | '(' | ')'; text: string };

const OPERATORS = ['<=', '>=', '!=', '=', '<', '>', ':'];

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, text: c });
      i++;
    } else if (c === '"') {
      const end = filter.indexOf('"', i + 1);
      if (end < 0) throw new FilterSyntaxError(`Unterminated string in filter at position ${i}.`);
      tokens.push({ kind: 'string', text: filter.slice(i + 1, end) });
      i = end + 1;
    } else {
      const op = OPERATORS.find((o) => filter.startsWith(o, i));
      if (op) {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
        continue;
      }
      // A value (after an operator) runs to the next space or parenthesis: timestamps hold colons.
      const stop = tokens.at(-1)?.kind === 'op' ? /[\s()]/ : /[\s()"<>=!:]/;
      let j = i;
      while (j < filter.length && !stop.test(filter[j]!)) j++;
      if (j === i) throw new FilterSyntaxError(`Unexpected character '${c}' in filter at position ${i}.`);
      tokens.push({ kind: 'word', text: filter.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const TIME_FIELDS = new Set(['create_time', 'expire_time']);

function fieldValue(fields: FilterFields, field: string): string | number | undefined | 'present' {
  if (field === 'name' || field === 'state') return fields[field];
  if (TIME_FIELDS.has(field)) return fields[field as 'create_time' | 'expire_time'];
  if (field === 'replication.automatic') return 'present';
  const [map, ...rest] = field.split('.');
  if ((map === 'labels' || map === 'annotations') && rest.length > 0) return fields[map]?.[rest.join('.')];
  throw new FilterSyntaxError(`Unsupported filter field '${field}'.`);
}

/** `:` on text: a substring match where `*` stands for anything; `field:*` asks for presence. */
function has(actual: string, wanted: string): boolean {
  if (wanted === '*') return true;
  const pattern = wanted
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(pattern).test(actual);
}

function knownField(field: string): boolean {
  if (field === 'name' || field === 'state' || field === 'replication.automatic' || TIME_FIELDS.has(field))
    return true;
  const [map, ...rest] = field.split('.');
  return (map === 'labels' || map === 'annotations') && rest.length > 0;
}

function restriction(field: string, op: string, value: string): Predicate {
  if (!knownField(field)) throw new FilterSyntaxError(`Unsupported filter field '${field}'.`);
  if (TIME_FIELDS.has(field) && op !== ':') {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new FilterSyntaxError(`Invalid timestamp '${value}' for ${field}.`);
    return (f) => {
      const actual = fieldValue(f, field) as number | undefined;
      return actual !== undefined && compare(actual, at, op);
    };
  }
  return (f) => {
    const actual = fieldValue(f, field);
    if (actual === undefined) return false;
    if (actual === 'present') return op === ':';
    const text = String(actual);
    const wanted = field === 'state' ? value.toUpperCase() : value;
    if (op === ':') return field === 'state' ? text === wanted : has(text, wanted);
    return compare(text, wanted, op);
  };
}

function compare<T extends string | number>(a: T, b: T, op: string): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** A recursive-descent parser over the tokens: expression → sequence (AND) → factor (OR) → term. */
class Parser {
  #at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const predicate = this.#expression();
    if (this.#at < this.tokens.length)
      throw new FilterSyntaxError(`Unexpected '${this.tokens[this.#at]!.text}' in filter.`);
    return predicate;
  }

  #peek(): Token | undefined {
    return this.tokens[this.#at];
  }

  #keyword(word: string): boolean {
    const token = this.#peek();
    return token?.kind === 'word' && token.text === word;
  }

  #expression(): Predicate {
    const parts = [this.#factor()];
    while (this.#peek() && this.#peek()!.kind !== ')') {
      if (this.#keyword('AND')) this.#at++;
      parts.push(this.#factor());
    }
    return (f) => parts.every((p) => p(f));
  }

  #factor(): Predicate {
    const parts = [this.#term()];
    while (this.#keyword('OR')) {
      this.#at++;
      parts.push(this.#term());
    }
    return parts.length === 1 ? parts[0]! : (f) => parts.some((p) => p(f));
  }

  #term(): Predicate {
    const token = this.#peek();
    if (!token) throw new FilterSyntaxError('Unexpected end of filter.');
    if (this.#keyword('NOT') || (token.kind === 'word' && token.text === '-')) {
      this.#at++;
      const inner = this.#term();
      return (f) => !inner(f);
    }
    if (token.kind === 'word' && token.text.startsWith('-') && token.text.length > 1) {
      token.text = token.text.slice(1);
      const inner = this.#term();
      return (f) => !inner(f);
    }
    if (token.kind === '(') {
      this.#at++;
      const inner = this.#expression();
      if (this.#peek()?.kind !== ')') throw new FilterSyntaxError('Missing ) in filter.');
      this.#at++;
      return inner;
    }
    return this.#restriction();
  }

  #restriction(): Predicate {
    const field = this.tokens[this.#at++]!;
    const op = this.tokens[this.#at++];
    const value = this.tokens[this.#at++];
    if (
      field.kind !== 'word' ||
      op?.kind !== 'op' ||
      !value ||
      (value.kind !== 'word' && value.kind !== 'string')
    )
      throw new FilterSyntaxError(
        `Invalid restriction at '${field.text}': expected <field><operator><value>.`,
      );
    return restriction(field.text, op.text, value.text);
  }
}

export function parseFilter(filter: string): Predicate {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return () => true;
  return new Parser(tokens).parse();
}
