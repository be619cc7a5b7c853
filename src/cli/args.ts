// Command-line parsing: `leadrelay [start|check-config|demo|version|help] [--config FILE] [--connect]`,
// and `leadrelay migrate-storage --from FILE --to URL`.
export type Command = 'start' | 'check-config' | 'demo' | 'version' | 'help' | 'migrate-storage';

export interface CliArgs {
  command: Command;
  configPath?: string;
  /** check-config: also open the database and report its versions. */
  connect?: boolean;
  /** migrate-storage: the SQLite file to copy. */
  from?: string;
  /** migrate-storage: the PostgreSQL URL to copy into (--to, else DATABASE_URL). */
  to?: string;
}

const COMMANDS: readonly Command[] = ['start', 'check-config', 'demo', 'version', 'help', 'migrate-storage'];

export const USAGE = `Usage: leadrelay [command] [--config FILE] [--connect]
       leadrelay migrate-storage --from FILE --to URL

Commands:
  start          run the relay daemon (default)
  check-config   validate the config, print every problem, exit 0 or 1; with --connect, also
                 reach the database and report its server and schema versions
  demo           relay + built-in vendor simulators + a local subscriber printing verified webhooks
  migrate-storage --from FILE --to URL
                 copy a stopped relay's SQLite database into an empty PostgreSQL database, in one
                 transaction (cursors, snapshot, events, pending deliveries, secrets); the SQLite
                 file is only read. --to may be left out when DATABASE_URL holds the URL
  version        print the version
  help           show this help

Options:
  --config FILE  the YAML config (or set LEADRELAY_CONFIG)
  --connect      check-config only: test the database connection (exit 1 when it fails)
  --from FILE    migrate-storage only: the SQLite database file
  --to URL       migrate-storage only: postgres://user:password@host:5432/database
  -h, --help     show this help
`;

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): CliArgs | { error: string } {
  let command: Command | undefined;
  let configPath = env.LEADRELAY_CONFIG || undefined;
  let connect = false;
  const paths: { from?: string; to?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = /^--(from|to)(=|$)/.exec(arg);
    if (arg === '--config' || arg === '-c') {
      const value = argv[++i];
      if (!value) return { error: `${arg} needs a file path` };
      configPath = value;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
    } else if (flag) {
      const name = flag[1] as 'from' | 'to';
      const value = flag[2] ? arg.slice(flag[0].length) : argv[++i];
      if (!value) return { error: `--${name} needs ${name === 'from' ? 'a SQLite file' : 'a PostgreSQL URL'}` };
      paths[name] = value;
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
  if (chosen === 'migrate-storage') {
    const to = paths.to ?? (env.DATABASE_URL || undefined);
    if (!paths.from) return { error: 'migrate-storage needs --from <SQLite file>' };
    if (!to) return { error: 'migrate-storage needs --to <postgres URL> (or DATABASE_URL in the environment)' };
    return { command: chosen, from: paths.from, to };
  }
  if ((paths.from || paths.to) && chosen !== 'help') return { error: '--from and --to only apply to migrate-storage' };
  return { command: chosen, configPath, ...(connect ? { connect } : {}) };
}
