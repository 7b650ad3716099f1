import { CliError } from './errors.js';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

/**
 * Parses dotenv text: `KEY=value`, `export KEY=value`, `#` comments (full-line, or after an
 * unquoted value following a space), single quotes (literal), double quotes (escapes \n \r \t \\ \"
 * and multi-line values), backticks (literal). Variables are not expanded. Errors name the line.
 */
export function parseDotenv(text: string, file: string): Array<{ key: string; value: string; line: number }> {
  const entries: Array<{ key: string; value: string; line: number }> = [];
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  const fail = (at: number, message: string): never => {
    throw new CliError(`${file}:${at}: ${message}`);
  };
  while (i < src.length) {
    const end = src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i);
    const raw = src.slice(i, end);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = end + 1;
      line++;
      continue;
    }
    const startLine = line;
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/.exec(raw);
    if (!match) fail(startLine, 'expected KEY=value (the line is not shown: it may hold a value)');
    const key = match![1]!;
    let pos = i + match![0].length;
    const quote = src[pos];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      pos++;
      value = '';
      for (;;) {
        if (pos >= src.length) fail(startLine, `unterminated ${quote} quote for ${key}`);
        const ch = src[pos]!;
        if (ch === quote) break;
        if (ch === '\n') line++;
        if (ch === '\\' && quote === '"' && pos + 1 < src.length) {
          const next = src[pos + 1]!;
          value += ESCAPES[next] ?? `\\${next}`;
          pos += 2;
          continue;
        }
        value += ch;
        pos++;
      }
      pos++;
      const rest = src.indexOf('\n', pos) < 0 ? src.slice(pos) : src.slice(pos, src.indexOf('\n', pos));
      if (rest.trim() !== '' && !rest.trim().startsWith('#'))
        fail(line, `unexpected text after the quoted value of ${key}`);
      pos += rest.length;
    } else {
      const rest = src.slice(pos, end);
      const comment = rest.search(/\s#/);
      value = (comment >= 0 ? rest.slice(0, comment) : rest).trim();
      pos = end;
    }
    entries.push({ key, value, line: startLine });
    i = pos + 1;
    line++;
  }
  return entries;
}

/** `KEY="value"` with the escapes `parseDotenv` understands, so the output reads back exactly. */
export function formatDotenvLine(key: string, value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
  return `${key}="${escaped}"`;
}
