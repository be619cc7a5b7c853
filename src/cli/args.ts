// Command-line parsing: `leadrelay [start|check-config|demo|version|help] [--config FILE] [--connect]`.
export type Command = 'start' | 'check-config' | 'demo' | 'version' | 'help';

export interface CliArgs {
  command: Command;
  configPath?: string;
  /** check-config: also open the database and report its versions. */
  connect?: boolean;
}

const COMMANDS: readonly Command[] = ['start', 'check-config', 'demo', 'version', 'help'];

export const USAGE = `Usage: leadrelay [command] [--config FILE] [--connect]

Commands:
  start          run the relay daemon (default)
  check-config   validate the config, print every problem, exit 0 or 1; with --connect, also
                 reach the database and report its server and schema versions
  demo           relay + built-in vendor simulators + a local subscriber printing verified webhooks
  version        print the version
  help           show this help

Options:
  --config FILE  the YAML config (or set LEADRELAY_CONFIG)
  --connect      check-config only: test the database connection (exit 1 when it fails)
  -h, --help     show this help
`;

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): CliArgs | { error: string } {
  let command: Command | undefined;
  let configPath = env.LEADRELAY_CONFIG || undefined;
  let connect = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') {
      const value = argv[++i];
      if (!value) return { error: `${arg} needs a file path` };
      configPath = value;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
    } else if (arg === '--connect') {
      connect = true;
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
  const chosen = command ?? 'start';
  if (connect && chosen !== 'check-config' && chosen !== 'help') return { error: '--connect only applies to check-config' };
  return { command: chosen, configPath, ...(connect ? { connect } : {}) };
}
