// Command-line parsing: `leadrelay [start|check-config|demo|version|help] [--config FILE]`.
export type Command = 'start' | 'check-config' | 'demo' | 'version' | 'help';

export interface CliArgs {
  command: Command;
  configPath?: string;
}

const COMMANDS: readonly Command[] = ['start', 'check-config', 'demo', 'version', 'help'];

export const USAGE = `Usage: leadrelay [command] [--config FILE]

Commands:
  start          run the relay daemon (default)
  check-config   validate the config, print every problem, exit 0 or 1
  demo           relay + built-in vendor simulators + a local subscriber printing verified webhooks
  version        print the version
  help           show this help

Options:
  --config FILE  the YAML config (or set LEADRELAY_CONFIG)
  -h, --help     show this help
`;

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): CliArgs | { error: string } {
  let command: Command | undefined;
  let configPath = env.LEADRELAY_CONFIG || undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') {
      const value = argv[++i];
      if (!value) return { error: `${arg} needs a file path` };
      configPath = value;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
    } else if (arg === '--help' || arg === '-h') {
      command = 'help';
    } else if (arg === '--version' || arg === '-v') {
      command = 'version';
    } else if ((COMMANDS as readonly string[]).includes(arg)) {
      // `npm start -- check-config` arrives as "start check-config": the later command wins.
      if (!command || command === 'start') command = arg as Command;
    } else {
      return { error: `unknown argument "${arg}"` };
    }
  }
  return { command: command ?? 'start', configPath };
}
