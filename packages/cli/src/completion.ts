import type { Command } from 'commander';

// Completion scripts for bash, zsh and fish, generated from the command table: commands and
// their flags are written into the script; environment, provider and secret names are asked of
// `hush completion --list KIND` when completing (names only: never a value).

/** The flags that take a secret name, a provider or an environment as their value. */
const PROVIDER_FLAGS = ['--provider', '--from', '--to'];
const ENVIRONMENT_FLAGS = ['-e', '--env'];
/** Commands whose first argument is a secret name. */
const SECRET_COMMANDS = ['get', 'set', 'delete', 'versions', 'rollback', 'rotate', 'audit', 'permissions'];

interface Table {
  commands: Array<{ name: string; description: string; flags: string[] }>;
  globals: string[];
}

function table(program: Command): Table {
  const flagsOf = (command: Command) =>
    command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
  return {
    commands: program.commands
      .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
      .map((c) => ({
        name: c.name(),
        description: c.description(),
        flags: [...new Set([...flagsOf(c), '--help'])],
      })),
    globals: [...new Set([...flagsOf(program), '--help', '--version'])],
  };
}

const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;

export function bashScript(program: Command): string {
  const t = table(program);
  const cases = t.commands.map((c) => `    ${c.name}) flags=${quote(c.flags.join(' '))} ;;`).join('\n');
  return `# hush completion for bash: source <(hush completion bash)
_hush_names() { hush completion --list "$1" 2>/dev/null; }
_hush() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd="" flags="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $prev in
    ${ENVIRONMENT_FLAGS.join('|')}) COMPREPLY=($(compgen -W "$(_hush_names environments)" -- "$cur")); return ;;
    ${PROVIDER_FLAGS.join('|')}) COMPREPLY=($(compgen -W "$(_hush_names providers)" -- "$cur")); return ;;
  esac
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W ${quote([...t.commands.map((c) => c.name), ...t.globals].join(' '))} -- "$cur"))
    return
  fi
  case $cmd in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    case $cmd in
      ${SECRET_COMMANDS.join('|')}) COMPREPLY=($(compgen -W "$(_hush_names secrets)" -- "$cur")) ;;
      completion) COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
  fi
}
complete -F _hush hush
`;
}

export function zshScript(program: Command): string {
  const t = table(program);
  const commands = t.commands.map((c) => quote(`${c.name}:${c.description.replace(/:/g, '\\:')}`)).join(' ');
  const cases = t.commands.map((c) => `      (${c.name}) compadd -- ${c.flags.join(' ')} ;;`).join('\n');
  return `#compdef hush
# hush completion for zsh: source <(hush completion zsh)
_hush_names() { hush completion --list "$1" 2>/dev/null; }
_hush() {
  local cmd="" prev=\${words[CURRENT-1]} i
  for ((i = 2; i < CURRENT; i++)); do
    [[ \${words[i]} == -* ]] || { cmd=\${words[i]}; break; }
  done
  case $prev in
    (${ENVIRONMENT_FLAGS.join('|')}) compadd -- \${(f)"$(_hush_names environments)"}; return ;;
    (${PROVIDER_FLAGS.join('|')}) compadd -- \${(f)"$(_hush_names providers)"}; return ;;
  esac
  if [[ -z $cmd ]]; then
    local -a commands=(${commands})
    _describe command commands
    compadd -- ${t.globals.join(' ')}
    return
  fi
  if [[ $PREFIX == -* ]]; then
    case $cmd in
${cases}
    esac
  else
    case $cmd in
      (${SECRET_COMMANDS.join('|')}) compadd -- \${(f)"$(_hush_names secrets)"} ;;
      (completion) compadd -- bash zsh fish ;;
      (*) _files ;;
    esac
  fi
}
compdef _hush hush
`;
}

export function fishScript(program: Command): string {
  const t = table(program);
  const lines = ['# hush completion for fish: hush completion fish | source', 'complete -c hush -f'];
  const fishFlag = (flag: string) => (flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`);
  for (const c of t.commands)
    lines.push(`complete -c hush -n __fish_use_subcommand -a ${c.name} -d ${quote(c.description)}`);
  for (const c of t.commands)
    for (const flag of c.flags.filter((f) => !t.globals.includes(f)))
      lines.push(`complete -c hush -n '__fish_seen_subcommand_from ${c.name}' ${fishFlag(flag)}`);
  for (const flag of t.globals) lines.push(`complete -c hush ${fishFlag(flag)}`);
  lines.push(
    `complete -c hush -n '__fish_seen_subcommand_from ${SECRET_COMMANDS.join(' ')}' -a '(hush completion --list secrets 2>/dev/null)'`,
    `complete -c hush -s e -l env -x -a '(hush completion --list environments 2>/dev/null)'`,
    ...PROVIDER_FLAGS.map(
      (flag) => `complete -c hush -l ${flag.slice(2)} -x -a '(hush completion --list providers 2>/dev/null)'`,
    ),
    `complete -c hush -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`,
  );
  return `${lines.join('\n')}\n`;
}
