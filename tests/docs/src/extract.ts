/**
 * The examples of a README: every fenced block whose language is TypeScript or shell, with the
 * directives of the `<!-- docs-test: ... -->` comments just above it (invisible on a rendered page).
 *
 * Directives, separated by `;` or line breaks (not inside `"quoted"` text):
 * - `fresh`: start from an empty project folder (blocks of one README otherwise share one, in order);
 * - `continues`: a TypeScript block that goes on from the previous one (run and checked together);
 * - `cwd repo`: run at the root of the repository (commands for contributors);
 * - `env NAME=VALUE`: an environment variable; `$SANDBOX` in VALUE is the project folder, `$NAME`
 *   another variable of the block (an emulator's, e.g. `env ROLE_ID=$VAULT_ROLE_ID`);
 * - `setup COMMAND`: a shell command run first, unseen by the reader (e.g. to plant a secret);
 * - `daemon COMMAND`: a shell command started in the background after the setup (a server the block
 *   talks to, e.g. `hush agent`), stopped with its whole process group when the block ends;
 * - `wait-for PATH`: wait (up to 60 s) until PATH exists before running the block (a daemon's socket);
 *   `$SANDBOX` and `$NAME` are put in as in `env`;
 * - `port NAME`: a free loopback port in the variable NAME (for a daemon's listener);
 * - `stub CMD...`: commands that are not there (kubectl, psql) become stand-ins that read stdin and succeed;
 * - `emulator SERVICE [OPTION=VALUE...]`: a `@hush/emulators` server for the block (vault, aws, azure,
 *   gcp, k8s), its address in the variables the service's SDK reads; `aws region=eu-west-1` signs
 *   for another region;
 * - `server redis|postgres`: a real server, as the packages' own live tests have it: its URL from
 *   `HUSH_TEST_REDIS_URL` / `HUSH_TEST_POSTGRES_URL` (CI starts both) in `REDIS_URL` / `POSTGRES_URL`;
 *   without that variable the block is compiled and its run skipped, saying why;
 * - `replace "FROM" "TO"`: text to change before running (a placeholder address for the emulator's);
 * - `exit N`: the exit code the block should end with (default 0);
 * - `stdout TEXT`: text the block's output must contain (`/REGEX/FLAGS`: a pattern it must match);
 * - `stdout-lacks TEXT`: text the block's output must not contain (a value that should be masked);
 * - `test-file`: a TypeScript block that is a test file: run with `vitest run`, as its reader would;
 * - `typecheck-only REASON`: compiled (TypeScript) or checked by `bash -n` with every `npm run`
 *   script it names present (shell), but not run, with the reason (e.g. it starts a server forever).
 *
 * Two directives take several lines, in a comment of their own whose first line is just the word:
 * - `setup`, then a shell script (heredocs welcome) run before the block, unseen;
 * - `prelude`, then TypeScript put before the block's code, unseen (an emulator-configured client,
 *   a stand-in for the reader's own class); it is compiled and run with the block.
 */
export interface Example {
  readme: string;
  line: number;
  lang: 'ts' | 'sh';
  code: string;
  directives: Directives;
}

export interface Directives {
  fresh: boolean;
  continues: boolean;
  cwdRepo: boolean;
  env: Record<string, string>;
  setup: string[];
  prelude: string[];
  stubs: string[];
  daemons: string[];
  waitFor: string[];
  ports: string[];
  emulators: EmulatorRequest[];
  servers: string[];
  replacements: Array<[string, string]>;
  exit: number;
  stdout: string[];
  stdoutLacks: string[];
  testFile: boolean;
  typecheckOnly?: string;
}

export interface EmulatorRequest {
  service: string;
  options: Record<string, string>;
}

/** The real servers a block may ask for: the variable CI sets, and the one the block reads. */
export const SERVERS: Record<string, { from: string; to: string }> = {
  redis: { from: 'HUSH_TEST_REDIS_URL', to: 'REDIS_URL' },
  postgres: { from: 'HUSH_TEST_POSTGRES_URL', to: 'POSTGRES_URL' },
};

const LANGS: Record<string, 'ts' | 'sh'> = {
  ts: 'ts',
  typescript: 'ts',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
};

export function extractExamples(readme: string, text: string): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const comment = /^<!--\s*docs-test:(.*?)(-->)?\s*$/.exec(line);
    if (comment) {
      // A directive comment may span lines until `-->`; the lines are kept for `setup` and `prelude`.
      let body = comment[1]!;
      if (!comment[2]) {
        while (++i < lines.length && !lines[i]!.includes('-->')) body += `\n${lines[i]}`;
        const last = (lines[i] ?? '').replace(/\s*-->\s*$/, '');
        if (last.trim()) body += `\n${last}`;
      }
      pending.push(body);
      continue;
    }
    const fence = /^(`{3,})\s*([A-Za-z]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== '') pending = [];
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i]!.startsWith(fence[1]!)) body.push(lines[i]!);
    const lang = LANGS[fence[2]!.toLowerCase()];
    if (lang)
      examples.push({
        readme,
        line: start + 1,
        lang,
        code: `${body.join('\n')}\n`,
        directives: parseDirectives(pending, `${readme}:${start + 1}`),
      });
    pending = [];
  }
  return examples;
}

/** The directives of the comments above one block (each comment's text, lines kept). */
export function parseDirectives(comments: string | string[], where: string): Directives {
  const directives: Directives = {
    fresh: false,
    continues: false,
    cwdRepo: false,
    env: {},
    setup: [],
    prelude: [],
    stubs: [],
    daemons: [],
    waitFor: [],
    ports: [],
    emulators: [],
    servers: [],
    replacements: [],
    exit: 0,
    stdout: [],
    stdoutLacks: [],
    testFile: false,
  };
  for (const comment of typeof comments === 'string' ? [comments] : comments) {
    const block = /^\s*(setup|prelude)[ \t]*\n([\s\S]*)$/.exec(comment);
    if (block) {
      const code = block[2]!.replace(/\s+$/, '');
      if (!code) throw new Error(`${where}: ${block[1]} has no lines`);
      (block[1] === 'setup' ? directives.setup : directives.prelude).push(code);
      continue;
    }
    for (const item of splitDirectives(comment)) parseOne(item, directives, where);
  }
  if (directives.testFile && directives.continues)
    throw new Error(`${where}: a test-file does not continue a block`);
  return directives;
}

/** The directives of a comment: split at `;` and line breaks, except inside `"quoted"` text. */
function splitDirectives(comment: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < comment.length; i++) {
    const char = comment[i]!;
    if (quoted && char === '\\') {
      current += char + (comment[++i] ?? '');
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (!quoted && (char === ';' || char === '\n')) {
      items.push(current.trim());
      current = '';
    } else current += char;
  }
  items.push(current.trim());
  return items.filter(Boolean);
}

function parseOne(item: string, directives: Directives, where: string): void {
  if (!item) return;
  const [word, ...rest] = item.split(/\s+/);
  const arg = item.slice(word!.length).trim();
  switch (word) {
    case 'fresh':
      directives.fresh = true;
      break;
    case 'continues':
      directives.continues = true;
      break;
    case 'cwd':
      if (arg !== 'repo') throw new Error(`${where}: cwd takes 'repo'`);
      directives.cwdRepo = true;
      break;
    case 'env': {
      const eq = arg.indexOf('=');
      if (eq < 1) throw new Error(`${where}: env takes NAME=VALUE`);
      directives.env[arg.slice(0, eq)] = arg.slice(eq + 1);
      break;
    }
    case 'setup':
      if (!arg) throw new Error(`${where}: setup needs a command`);
      directives.setup.push(arg);
      break;
    case 'prelude':
      throw new Error(`${where}: prelude takes its code on the lines after it, in a comment of its own`);
    case 'stub':
      directives.stubs.push(...rest);
      break;
    case 'daemon':
      if (!arg) throw new Error(`${where}: daemon needs a command`);
      directives.daemons.push(arg);
      break;
    case 'wait-for':
      if (!arg) throw new Error(`${where}: wait-for needs a path`);
      directives.waitFor.push(arg);
      break;
    case 'port':
      if (!/^[A-Z_][A-Z0-9_]*$/.test(arg)) throw new Error(`${where}: port takes a variable NAME`);
      directives.ports.push(arg);
      break;
    case 'emulator':
      for (const token of rest) {
        const eq = token.indexOf('=');
        const last = directives.emulators.at(-1);
        if (eq < 0) directives.emulators.push({ service: token, options: {} });
        else if (last) last.options[token.slice(0, eq)] = token.slice(eq + 1);
        else throw new Error(`${where}: emulator option '${token}' comes before any service`);
      }
      break;
    case 'server':
      for (const name of rest) {
        if (!(name in SERVERS))
          throw new Error(`${where}: no server '${name}' (${Object.keys(SERVERS).join(', ')})`);
        directives.servers.push(name);
      }
      break;
    case 'replace': {
      const quoted = [...arg.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
      if (quoted.length !== 2) throw new Error(`${where}: replace takes "FROM" "TO"`);
      directives.replacements.push([quoted[0]!, quoted[1]!]);
      break;
    }
    case 'exit':
      if (!/^\d+$/.test(arg)) throw new Error(`${where}: exit takes a number`);
      directives.exit = Number(arg);
      break;
    case 'stdout':
      if (!arg) throw new Error(`${where}: stdout needs a text`);
      directives.stdout.push(arg);
      break;
    case 'stdout-lacks':
      if (!arg) throw new Error(`${where}: stdout-lacks needs a text`);
      directives.stdoutLacks.push(arg);
      break;
    case 'test-file':
      directives.testFile = true;
      break;
    case 'typecheck-only':
      if (!arg) throw new Error(`${where}: typecheck-only needs a reason`);
      directives.typecheckOnly = arg;
      break;
    default:
      throw new Error(`${where}: unknown docs-test directive '${word}'`);
  }
}

/** `stdout` text, or a `/pattern/flags` to match. */
export function stdoutMatcher(text: string): string | RegExp {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  return regex ? new RegExp(regex[1]!, regex[2]) : text;
}
