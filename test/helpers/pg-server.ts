// A throwaway PostgreSQL server for tests, from the machine's own PostgreSQL binaries (Debian's
// `postgresql` package; .ci/run installs it when missing): initdb into a temp dir, a free port on
// 127.0.0.1, run as the unprivileged `postgres` user when the tests run as root (PostgreSQL refuses
// root). Stopping and starting it again on the same data dir and port is a database restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USER = 'leadrelay';

/** The newest installed PostgreSQL's bin dir (Debian keeps them under /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => existsSync(join(root, d, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return join(root, majors[0], 'bin');
  }
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = found.status === 0 ? found.stdout.trim() : '';
  return dir && existsSync(join(dir, 'postgres')) ? dir : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** uid/gid of `postgres` when we are root (PostgreSQL will not run as root), else our own. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as (apt-get install postgresql creates it)');
  }
  return { uid, gid };
}

export interface PgServerOptions {
  /**
   * Keep PostgreSQL's durability defaults (fsync, full_page_writes), as a production server runs;
   * the benchmarks want that. Default false: a throwaway test server skips the fsyncs.
   */
  durable?: boolean;
  /** More server settings, e.g. { shared_preload_libraries: 'pg_stat_statements' }. */
  settings?: Record<string, string>;
  /** Told everything the server logs (e.g. auto_explain's plans, to look at a slow statement). */
  log?: (text: string) => void;
}

export class PgServer {
  private proc: ChildProcess | null = null;
  private output = '';
  readonly dir: string;
  port = 0;

  private constructor(
    private readonly bin: string,
    private readonly as: { uid?: number; gid?: number },
    private readonly opts: PgServerOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'leadrelay-pg-'));
  }

  /** initdb + start. Throws, saying what is missing, when PostgreSQL is not installed. */
  static async start(opts: PgServerOptions = {}): Promise<PgServer> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): apt-get install postgresql');
    const server = new PgServer(bin, runAs(), opts);
    server.initdb();
    server.port = await freePort();
    await server.resume();
    return server;
  }

  /** postgres://leadrelay@127.0.0.1:<port>/<db> (trust auth on loopback only). */
  url(database = 'postgres'): string {
    return `postgres://${USER}@127.0.0.1:${this.port}/${database}`;
  }

  private initdb(): void {
    if (this.as.uid !== undefined) chownSync(this.dir, this.as.uid, this.as.gid!);
    const data = join(this.dir, 'data');
    const r = spawnSync(join(this.bin, 'initdb'), ['-D', data, '-U', USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      encoding: 'utf8',
      ...this.as,
    });
    if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${r.stderr || r.stdout}`);
  }

  /** The postmaster's pid while it runs (its children are the server's other processes). */
  get pid(): number | null {
    return this.running ? this.proc!.pid ?? null : null;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the server on its data dir and port (again, after stop(): a restart). */
  async resume(): Promise<void> {
    if (this.running) return;
    this.output = '';
    const proc = spawn(
      join(this.bin, 'postgres'),
      [
        '-D', join(this.dir, 'data'),
        '-p', String(this.port),
        '-k', this.dir, // the Unix socket goes here, not /var/run/postgresql
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'max_connections=300',
        // A throwaway server: durability of the machine's crash is not under test (a killed relay is).
        ...(this.opts.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']),
        ...Object.entries(this.opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...this.as },
    );
    this.proc = proc;
    const collect = (c: Buffer) => {
      this.output = (this.output + c.toString()).slice(-20_000);
      this.opts.log?.(c.toString());
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const deadline = Date.now() + 30_000;
    while (!/ready to accept connections/.test(this.output)) {
      if (!this.running) throw new Error(`postgres exited (${proc.exitCode ?? proc.signalCode}):\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`postgres did not start within 30 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Fast shutdown (SIGINT): open connections are cut, as in a database restart. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
