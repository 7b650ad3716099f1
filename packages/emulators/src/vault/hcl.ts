/**
 * The part of HCL (version 1, the dialect Vault parses policies with) that ACL policies use:
 * `key "label" { key = value }` blocks, strings, numbers, booleans, lists, heredocs and the three
 * comment forms. Syntax errors carry the position as HCL reports it: `At <line>:<column>: ...`.
 */

export type HclValue = string | number | boolean | HclValue[] | HclObject;

/** One item of an object list: its keys (`path`, `"secret/*"`) and its value. */
export interface HclItem {
  keys: string[];
  value: HclValue;
  line: number;
}

export interface HclObject {
  items: HclItem[];
}

export class HclSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`At ${line}:${column}: ${detail}`);
    this.name = 'HclSyntaxError';
  }
}

type TokenType =
  | 'IDENT'
  | 'STRING'
  | 'HEREDOC'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'LBRACE'
  | 'RBRACE'
  | 'LBRACK'
  | 'RBRACK'
  | 'ASSIGN'
  | 'COMMA'
  | 'EOF';

interface Token {
  type: TokenType;
  text: string;
  line: number;
  column: number;
}

const PUNCTUATION: Record<string, TokenType> = {
  '{': 'LBRACE',
  '}': 'RBRACE',
  '[': 'LBRACK',
  ']': 'RBRACK',
  '=': 'ASSIGN',
  ',': 'COMMA',
};

class Scanner {
  #at = 0;
  #line = 1;
  #column = 1;

  constructor(private readonly text: string) {}

  #peek(offset = 0): string {
    return this.text[this.#at + offset] ?? '';
  }

  #advance(): string {
    const char = this.text[this.#at++] ?? '';
    if (char === '\n') {
      this.#line++;
      this.#column = 1;
    } else this.#column++;
    return char;
  }

  #skipSpaceAndComments(): void {
    for (;;) {
      const char = this.#peek();
      if (char === ' ' || char === '\t' || char === '\r' || char === '\n') this.#advance();
      else if (char === '#' || (char === '/' && this.#peek(1) === '/')) {
        while (this.#peek() !== '' && this.#peek() !== '\n') this.#advance();
      } else if (char === '/' && this.#peek(1) === '*') {
        const line = this.#line;
        const column = this.#column;
        this.#advance();
        this.#advance();
        while (!(this.#peek() === '*' && this.#peek(1) === '/')) {
          if (this.#peek() === '') throw new HclSyntaxError(line, column, 'comment not terminated');
          this.#advance();
        }
        this.#advance();
        this.#advance();
      } else return;
    }
  }

  next(): Token {
    this.#skipSpaceAndComments();
    const line = this.#line;
    const column = this.#column;
    const token = (type: TokenType, text: string): Token => ({ type, text, line, column });
    const char = this.#peek();
    if (char === '') return token('EOF', '');
    if (PUNCTUATION[char]) return token(PUNCTUATION[this.#advance()]!, char);
    if (char === '"') return token('STRING', this.#string(line, column));
    if (char === '<' && this.#peek(1) === '<') return token('HEREDOC', this.#heredoc(line, column));
    if (/[0-9-]/.test(char)) {
      let text = '';
      while (/[0-9.eE+-]/.test(this.#peek())) text += this.#advance();
      if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text))
        throw new HclSyntaxError(line, column, 'illegal char');
      return token(/[.eE]/.test(text) ? 'FLOAT' : 'NUMBER', text);
    }
    if (/[A-Za-z_]/.test(char)) {
      let text = '';
      while (/[A-Za-z0-9_.-]/.test(this.#peek())) text += this.#advance();
      return token(text === 'true' || text === 'false' ? 'BOOL' : 'IDENT', text);
    }
    throw new HclSyntaxError(line, column, 'illegal char');
  }

  #string(line: number, column: number): string {
    this.#advance();
    let out = '';
    for (;;) {
      // As HCL's scanner does, the error points at the character that ended the literal.
      const [atLine, atColumn] = [this.#line, this.#column];
      const char = this.#advance();
      if (char === '' || char === '\n') throw new HclSyntaxError(atLine, atColumn, 'literal not terminated');
      if (char === '"') return out;
      if (char !== '\\') {
        out += char;
        continue;
      }
      const escaped = this.#advance();
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (simple[escaped] !== undefined) out += simple[escaped];
      else if (escaped === 'u') {
        let hex = '';
        for (let i = 0; i < 4; i++) hex += this.#advance();
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new HclSyntaxError(line, column, 'illegal char escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
      } else throw new HclSyntaxError(line, column, 'unknown escape sequence');
    }
  }

  #heredoc(line: number, column: number): string {
    this.#advance();
    this.#advance();
    if (this.#peek() === '-') this.#advance();
    let anchor = '';
    while (/[A-Za-z0-9_]/.test(this.#peek())) anchor += this.#advance();
    if (!anchor || this.#advance() !== '\n')
      throw new HclSyntaxError(line, column, 'zero-length heredoc anchor');
    const lines: string[] = [];
    for (;;) {
      let current = '';
      while (this.#peek() !== '\n' && this.#peek() !== '') current += this.#advance();
      if (current.trim() === anchor) return lines.join('\n');
      if (this.#peek() === '') throw new HclSyntaxError(line, column, 'heredoc not terminated');
      this.#advance();
      lines.push(current);
    }
  }
}

class Parser {
  readonly #scanner: Scanner;
  #token: Token;
  #buffered = false;

  constructor(text: string) {
    this.#scanner = new Scanner(text);
    this.#token = { type: 'EOF', text: '', line: 1, column: 1 };
  }

  #scan(): Token {
    if (this.#buffered) {
      this.#buffered = false;
      return this.#token;
    }
    this.#token = this.#scanner.next();
    return this.#token;
  }

  #unscan(): void {
    this.#buffered = true;
  }

  #fail(detail: string): never {
    throw new HclSyntaxError(this.#token.line, this.#token.column, detail);
  }

  /** Items until EOF (top level) or a closing brace (inside an object). */
  objectList(nested: boolean): HclObject {
    const items: HclItem[] = [];
    for (;;) {
      const token = this.#scan();
      if (token.type === 'EOF') {
        if (nested) this.#fail('object expected closing RBRACE got: EOF');
        return { items };
      }
      if (token.type === 'RBRACE' && nested) return { items };
      this.#unscan();
      items.push(this.#item());
      // Items may be separated by commas, as HCL allows.
      if (this.#scan().type !== 'COMMA') this.#unscan();
    }
  }

  #item(): HclItem {
    const keys: string[] = [];
    const first = this.#scan();
    this.#unscan();
    for (;;) {
      const token = this.#scan();
      if (token.type === 'IDENT' || token.type === 'STRING') {
        keys.push(token.text);
        continue;
      }
      if (token.type === 'ASSIGN') {
        if (keys.length === 0) this.#fail('expected: IDENT | STRING got: ASSIGN');
        if (keys.length > 1) this.#fail('nested object expected: LBRACE got: ASSIGN');
        return { keys, value: this.#value(), line: first.line };
      }
      if (token.type === 'LBRACE') {
        if (keys.length === 0) this.#fail('expected: IDENT | STRING got: LBRACE');
        return { keys, value: this.objectList(true), line: first.line };
      }
      if (keys.length > 0)
        this.#fail(
          `key '${keys.map((k) => (k === first.text && first.type === 'IDENT' ? k : `"${k}"`)).join(' ')}' expected start of object ('{') or assignment ('=')`,
        );
      this.#fail(`expected: IDENT | STRING | ASSIGN | LBRACE got: ${token.type}`);
    }
  }

  #value(): HclValue {
    const token = this.#scan();
    switch (token.type) {
      case 'STRING':
      case 'HEREDOC':
        return token.text;
      case 'NUMBER':
      case 'FLOAT':
        return Number(token.text);
      case 'BOOL':
        return token.text === 'true';
      case 'LBRACE':
        return this.objectList(true);
      case 'LBRACK':
        return this.#list();
      default:
        return this.#fail(`Unknown token: ${token.line}:${token.column} ${token.type} ${token.text}`);
    }
  }

  #list(): HclValue[] {
    const values: HclValue[] = [];
    let needComma = false;
    for (;;) {
      const token = this.#scan();
      if (token.type === 'RBRACK') return values;
      if (token.type === 'COMMA') {
        if (!needComma) this.#fail('error parsing list, expected list item, got: COMMA');
        needComma = false;
        continue;
      }
      if (needComma) this.#fail(`error parsing list, expected comma or list end, got: ${token.type}`);
      if (['STRING', 'HEREDOC', 'NUMBER', 'FLOAT', 'BOOL', 'LBRACE', 'LBRACK'].includes(token.type)) {
        this.#unscan();
        values.push(this.#value());
        needComma = true;
        continue;
      }
      this.#fail(`unexpected token while parsing list: ${token.type}`);
    }
  }
}

/** Parses HCL text into its object list; throws `HclSyntaxError` with the position. */
export function parseHcl(text: string): HclObject {
  return new Parser(text).objectList(false);
}

/** `{ "a": { "b": [...] } }` JSON (which HCL also reads) as the same item structure. */
export function jsonToHcl(value: unknown): HclValue {
  if (Array.isArray(value)) return value.map(jsonToHcl);
  if (value !== null && typeof value === 'object')
    return {
      items: Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => {
        // `{"path": {"a/*": {...}, "b": {...}}}` is two `path "..." {}` blocks.
        if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
          const children = Object.entries(inner as Record<string, unknown>);
          if (children.length > 0 && children.every(([, v]) => v !== null && typeof v === 'object'))
            return children.map(([label, body]) => ({ keys: [key, label], value: jsonToHcl(body), line: 0 }));
        }
        return [{ keys: [key], value: jsonToHcl(inner), line: 0 }];
      }),
    };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return '';
}

/** Line and column (1-based) of an offset in a text. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
