// Makes sure the machine has what the tests drive for real (Debian's `postgresql` and `chromium`)
// before any test starts: on a fresh Debian machine running as root the missing package is
// installed (as .ci/run does); anywhere else its absence is an error saying what to install.
// Never a skip: a test that needs it would otherwise pass by not running.
import { spawnSync } from 'node:child_process';

function run(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}); install it yourself: apt-get install ${pkg}`);
}

/**
 * `find()` once more after installing Debian's `pkg` if it found nothing and this machine can
 * install it (root, apt-get); `missing` says what is missing and how to get it otherwise.
 */
export function ensurePackage<T>(pkg: string, find: () => T | null, missing: string): T {
  const found = find();
  if (found !== null) return found;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) throw new Error(missing);
  process.stderr.write(`${pkg} is not installed: installing Debian's ${pkg} package (apt-get)...\n`);
  run('apt-get', ['update'], pkg);
  run('apt-get', ['install', '-y', '--no-install-recommends', pkg], pkg);
  const installed = find();
  if (installed === null) throw new Error(`apt-get installed ${pkg}, but ${missing}`);
  return installed;
}
