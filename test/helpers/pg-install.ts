// PostgreSQL's server binaries, installed first where the machine can (packages.ts): the tests
// start their own throwaway server from them.
import { ensurePackage } from './packages.js';
import { postgresBinDir } from './pg-server.js';

/** The bin dir of an installed PostgreSQL, installing Debian's package first when allowed. */
export function ensurePostgres(): string {
  return ensurePackage(
    'postgresql',
    () => postgresBinDir() ?? null,
    'The tests need a PostgreSQL server (no /usr/lib/postgresql/*/bin/postgres, no pg_config). ' +
      'Install it, e.g. `sudo apt-get install postgresql` (Debian, Ubuntu) or your system\'s package; ' +
      'the tests start their own throwaway server and need no running one.',
  );
}
