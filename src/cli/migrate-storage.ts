// leadrelay migrate-storage: copies a stopped relay's SQLite database into an empty PostgreSQL
// database (store/migrate-storage) and prints the rows of each table; a refusal or failure is one
// line naming the problem, exit 1, with nothing written. The URL's password is never printed.
import { parse } from 'pg-connection-string';
import { RelayError } from '../util/errors.js';

const WIDTH = 20;

export async function runMigrateStorage(
  args: { from: string; to: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [{ migrateStorage }, { describeTarget }] = await Promise.all([import('../store/migrate-storage/index.js'), import('../store/postgres/url.js')]);
  const hide = secretHider(args.to);
  try {
    let header = false;
    const report = await migrateStorage({
      from: args.from,
      to: args.to,
      onTable: (table, rows) => {
        if (!header) {
          out.write(`copying ${args.from} into PostgreSQL at ${describeTarget(args.to)}, in one transaction:\n`);
          header = true;
        }
        out.write(`  ${table.padEnd(WIDTH)}${String(rows).padStart(10)}${table === 'fanout_pending' ? '  (events not fanned out yet)' : ''}\n`);
      },
    });
    out.write(
      `verified (every table's row count matches) and committed: SQLite schema ${report.from.schemaVersion}, PostgreSQL schema ${report.to.schemaVersion}; ` +
        `events continue after seq ${report.lastEventSeq}.\n` +
        `Next: set storage.url to this database (without storage.path) and start the relays. ${report.from.path} was only read: keep it until they run well.\n`,
    );
    return 0;
  } catch (e) {
    const message = e instanceof RelayError ? e.message : `${(e as Error).message ?? e}`;
    // Store messages name the config key; here the URL came as --to.
    err.write(`leadrelay: migrate-storage: ${hide(message).replaceAll('storage.url', '--to')}\n`);
    return 1;
  }
}

/** Removes the URL's password from a message, should a driver ever quote it. */
function secretHider(url: string): (text: string) => string {
  let password: string | undefined;
  try {
    password = parse(url).password || undefined;
  } catch {
    password = undefined;
  }
  return (text) => (password ? text.split(password).join('***') : text);
}
