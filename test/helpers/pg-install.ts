// Makes sure PostgreSQL's server binaries are on the machine before the tests start one: on a
// fresh Debian machine running as root, Debian's `postgresql` package is installed (as .ci/run
// does); anywhere else a missing PostgreSQL is an error saying what to install. Never a skip.
import { spawnSync } from 'node:child_process';
import { postgresBinDir } from './pg-server.js';

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}); install PostgreSQL yourself: apt-get install postgresql`);
}

/** The bin dir of an installed PostgreSQL, installing Debian's package first when allowed. */
export function ensurePostgres(): string {
  const found = postgresBinDir();
  if (found) return found;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    throw new Error(
      'The tests need a PostgreSQL server (no /usr/lib/postgresql/*/bin/postgres, no pg_config). ' +
        'Install it, e.g. `sudo apt-get install postgresql` (Debian, Ubuntu) or your system\'s package; ' +
        'the tests start their own throwaway server and need no running one.',
    );
  }
  process.stderr.write('PostgreSQL is not installed: installing Debian\'s postgresql package (apt-get)...\n');
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql']);
  const installed = postgresBinDir();
  if (!installed) throw new Error('apt-get installed postgresql, but no server binaries were found under /usr/lib/postgresql');
  return installed;
}
