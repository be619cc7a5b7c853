#!/usr/bin/env node
// The leadrelay command: start the daemon, check a config, run the demo, print the version, move a
// SQLite database into PostgreSQL.
import { loadConfig, ConfigError } from '../config/index.js';
import { VERSION } from '../version.js';
import { parseArgs, USAGE } from './args.js';

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), process.env);
  if ('error' in args) {
    process.stderr.write(`leadrelay: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`leadrelay ${VERSION}\n`);
      return 0;
    case 'demo': {
      const { runDemo } = await import('../demo/run.js');
      return runDemo();
    }
    case 'migrate-storage': {
      const { runMigrateStorage } = await import('./migrate-storage.js');
      return runMigrateStorage({ from: args.from!, to: args.to! });
    }
    case 'check-config':
    case 'start':
      break;
  }
  if (!args.configPath) {
    process.stderr.write('leadrelay: no config given: pass --config FILE or set LEADRELAY_CONFIG\n');
    return 1;
  }
  let config;
  try {
    config = loadConfig({ path: args.configPath });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`leadrelay: invalid config ${args.configPath}:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    throw err;
  }
  if (args.command === 'check-config') {
    process.stdout.write(
      `config ${args.configPath} is valid: ${config.sources.length} source(s), ${config.subscriptions.length} subscription(s)\n`,
    );
    if (!args.connect) return 0;
    const { checkConnection } = await import('./check-connection.js');
    const report = await checkConnection(config.storage);
    (report.ok ? process.stdout : process.stderr).write(`${report.message}\n`);
    return report.ok ? 0 : 1;
  }

  // Loaded only here: version, help and check-config stay quick without the relay's dependencies.
  const [{ createLogger, resolveLogLevel }, { startRelay }] = await Promise.all([import('../log.js'), import('../relay.js')]);
  let level;
  try {
    level = resolveLogLevel(config.server.logLevel, process.env);
  } catch (err) {
    process.stderr.write(`leadrelay: ${(err as Error).message}\n`);
    return 1;
  }
  const logger = createLogger({ level });
  // Listening before startRelay returns ("leadrelay listening" is logged inside it): a SIGTERM sent
  // as soon as that line appears must still shut down cleanly, not kill the process outright.
  const shutdown = new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info({ signal }, 'shutdown requested');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  let relay;
  try {
    relay = await startRelay(config, { logger });
  } catch (err) {
    // A full or read-only database at start says so in words, not as a bare SQLITE_* code.
    const { storageErrorOf } = await import('../store/errors.js');
    const { describeStorage } = await import('../store/describe.js');
    const e = storageErrorOf(err, `cannot use database ${describeStorage(config.storage)}`) ?? (err as Error & { code?: string });
    logger.fatal({ err: { message: e.message, code: e.code } }, 'leadrelay failed to start');
    return 1;
  }
  await shutdown;
  await relay.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`leadrelay: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
