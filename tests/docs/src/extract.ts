/**
 * The examples of a README: every fenced block whose language is TypeScript or shell, with the
 * directives of the `<!-- docs-test: ... -->` comment just above it (invisible on a rendered page).
 *
 * Directives, separated by `;`:
 * - `fresh`: start from an empty project folder (blocks of one README otherwise share one, in order);
 * - `continues`: a TypeScript block that goes on from the previous one (run and checked together);
 * - `cwd repo`: run at the root of the repository (commands for contributors);
 * - `env NAME=VALUE`: an environment variable (`$SANDBOX` in VALUE is the project folder);
 * - `setup COMMAND`: a shell command run first, unseen by the reader (e.g. to plant a secret);
 * - `stub CMD...`: commands that are not there (kubectl, psql) become stand-ins that read stdin and succeed;
 * - `emulator SERVICE`: a `@hush/emulators` server for the block (vault, aws, azure, gcp, k8s), its
 *   address in the variables the service's SDK reads;
 * - `replace "FROM" "TO"`: text to change before running (a placeholder address for the emulator's);
 * - `exit N`: the exit code the block should end with (default 0);
 * - `stdout TEXT`: text the block's output must contain;
 * - `typecheck-only REASON`: compiled but not run, with the reason (e.g. it starts a server forever).
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
  stubs: string[];
  emulators: string[];
  replacements: Array<[string, string]>;
  exit: number;
  stdout: string[];
  typecheckOnly?: string;
}

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
      // A directive comment may span lines until `-->`.
      let body = comment[1]!;
      if (!comment[2]) {
        while (++i < lines.length && !lines[i]!.includes('-->')) body += ` ${lines[i]}`;
        body += ` ${(lines[i] ?? '').replace('-->', '')}`;
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
        directives: parseDirectives(pending.join(';'), `${readme}:${start + 1}`),
      });
    pending = [];
  }
  return examples;
}

export function parseDirectives(text: string, where: string): Directives {
  const directives: Directives = {
    fresh: false,
    continues: false,
    cwdRepo: false,
    env: {},
    setup: [],
    stubs: [],
    emulators: [],
    replacements: [],
    exit: 0,
    stdout: [],
  };
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (!item) continue;
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
        directives.setup.push(arg);
        break;
      case 'stub':
        directives.stubs.push(...rest);
        break;
      case 'emulator':
        directives.emulators.push(...rest);
        break;
      case 'replace': {
        const quoted = [...arg.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
        if (quoted.length !== 2) throw new Error(`${where}: replace takes "FROM" "TO"`);
        directives.replacements.push([quoted[0]!, quoted[1]!]);
        break;
      }
      case 'exit':
        directives.exit = Number(arg);
        break;
      case 'stdout':
        directives.stdout.push(arg);
        break;
      case 'typecheck-only':
        if (!arg) throw new Error(`${where}: typecheck-only needs a reason`);
        directives.typecheckOnly = arg;
        break;
      default:
        throw new Error(`${where}: unknown docs-test directive '${word}'`);
    }
  }
  return directives;
}
