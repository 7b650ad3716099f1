import { Option } from 'commander';
import { type Definitions, lazy } from '../action.js';
import { examples } from '../help.js';

/** Shell integration. */
export const shellCommands: Definitions = {
  completion: (sub) => {
    examples(
      sub('completion', 'print a completion script for bash, zsh or fish')
        .argument('[shell]', 'bash, zsh or fish')
        .addOption(
          new Option('--list <kind>', 'names the scripts complete from')
            .choices(['environments', 'providers', 'secrets'])
            .hideHelp(),
        )
        .action(lazy(() => import('../commands/completion.js'))),
      [
        'source <(hush completion bash)             in ~/.bashrc',
        'source <(hush completion zsh)              in ~/.zshrc',
        'hush completion fish > ~/.config/fish/completions/hush.fish',
      ],
    );
  },
};
