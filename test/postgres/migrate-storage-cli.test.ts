// `leadrelay migrate-storage` as an operator runs it (the built CLI): the summary, and every refusal
// as one line naming the problem, exit 1, nothing written on either side, never the URL's password.
// Needs dist/ (npm run build).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../src/store/postgres/index.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';

const PASSWORD = 'pw-never-printed-7f3a';
let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrelay-migrate-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The URL with a password (the test server trusts loopback, so it is never asked for, only carried). */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

/** A stopped relay's SQLite database: one source, one subscription. */
async function sqliteDb(): Promise<string> {
  const path = join(dir, `relay-${++n}.db`);
  const store = openSqliteStore(path);
  await store.sources.register([{ id: 'apten', vendor: 'apten' }], Date.now());
  await store.close();
  return path;
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table])).rows[0]!.ok;
  } finally {
    await c.end();
  }
}

async function migrateCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(['migrate-storage', ...args], { cwd: dir, env, timeoutMs: 30_000 });
  expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  return run;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('leadrelay migrate-storage', () => {
  it('copies, prints the rows of each table and says it verified and committed; the SQLite file is only read', async () => {
    const from = await sqliteDb();
    const before = sha(from);
    const to = withPassword(await freshPgDatabase());
    const run = await migrateCli(['--from', from, '--to', to]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}sources +1$/m);
    expect(run.stdout).toMatch(/^ {2}fanout_pending +0 {2}\(events not fanned out yet\)$/m);
    expect(run.stdout).toMatch(/verified .* and committed/);
    expect(run.stdout).toContain(`PostgreSQL at 127.0.0.1:${new URL(to).port}${new URL(to).pathname}`);
    expect(sha(from)).toBe(before);
  });

  it('takes the URL from DATABASE_URL when --to is not given (it stays out of the process list)', async () => {
    const to = withPassword(await freshPgDatabase());
    const run = await migrateCli([`--from=${await sqliteDb()}`], { DATABASE_URL: to });
    expect(run.code).toBe(0);
    expect(await tableExists(to, 'sources')).toBe(true);
  });

  describe('refuses, exit 1, writing nothing', () => {
    it('a target that already holds leadrelay data, naming where it found it', async () => {
      const to = withPassword(await freshPgDatabase());
      expect((await migrateCli(['--from', await sqliteDb(), '--to', to])).code).toBe(0);
      const again = await migrateCli(['--from', await sqliteDb(), '--to', to]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^leadrelay: migrate-storage: PostgreSQL at 127\.0\.0\.1:\d+\/lr_\w+ already holds leadrelay data \(in sources\); .*never merges/);
      expect(again.stdout).toBe('');

      // A database a relay has run on (it registered itself and its subscriptions).
      const used = await freshPgDatabase();
      const store = await openPgStore({ url: used, poolSize: 1 });
      await store.replicas.heartbeat({ id: 'replica-1', version: '0.1.0', startedAt: 1 }, Date.now());
      await store.close();
      const busy = await migrateCli(['--from', await sqliteDb(), '--to', withPassword(used)]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain('already holds leadrelay data (in replicas)');
    });

    it('a SQLite database newer than this code, naming both versions, and leaves the file and the target untouched', async () => {
      const from = await sqliteDb();
      const latest = migrations.at(-1)!.version;
      const raw = new Database(from);
      raw.pragma(`user_version = ${latest + 1}`);
      raw.close();
      const before = sha(from);
      const to = await freshPgDatabase();
      const run = await migrateCli(['--from', from, '--to', withPassword(to)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`has schema version ${latest + 1}, newer than this leadrelay knows (${latest})`);
      expect(sha(from)).toBe(before);
      expect(await tableExists(to, 'schema_migrations')).toBe(false);
    });

    it('a SQLite database older than this code, saying how to bring it forward', async () => {
      const from = join(dir, 'v1.db');
      const raw = new Database(from);
      raw.exec(readFileSync(new URL('../fixtures/schema-v1.sql', import.meta.url), 'utf8'));
      raw.close();
      const run = await migrateCli(['--from', from, '--to', await freshPgDatabase()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/has schema version 1, older than this leadrelay's \(\d+\); start this leadrelay on it once/);
    });

    it('a SQLite database a relay is using (or that did not stop cleanly)', async () => {
      const from = join(dir, 'in-use.db');
      const store = openSqliteStore(from);
      await store.replicas.heartbeat({ id: 'host-1234', version: '0.1.0', startedAt: 1 }, Date.now());
      try {
        const to = await freshPgDatabase();
        const run = await migrateCli(['--from', from, '--to', to]);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/a relay is using .*in-use\.db, or the last one did not stop cleanly \(replica host-1234, last seen .*\): stop it \(SIGTERM\)/);
        expect(await tableExists(to, 'schema_migrations')).toBe(false);
      } finally {
        await store.close();
      }
    });

    it('a missing or unreadable SQLite file', async () => {
      const missing = await migrateCli(['--from', join(dir, 'nope.db'), '--to', await freshPgDatabase()]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no SQLite database at');
      const notDb = join(dir, 'not-a-db.db');
      await import('node:fs').then((fs) => fs.writeFileSync(notDb, 'hello, this is not SQLite at all, just some text that is long enough'));
      const bad = await migrateCli(['--from', notDb, '--to', await freshPgDatabase()]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/cannot (open|read) .*not-a-db\.db as a SQLite database/);
    });

    it('a URL that is not PostgreSQL, and one that cannot be reached, without printing its password', async () => {
      const from = await sqliteDb();
      const mysql = await migrateCli(['--from', from, '--to', `mysql://root:${PASSWORD}@127.0.0.1/db`]);
      expect(mysql.code).toBe(1);
      expect(mysql.stderr).toContain('--to must be a postgres:// or postgresql:// URL');
      const down = await migrateCli(['--from', from, '--to', `postgres://leadrelay:${PASSWORD}@127.0.0.1:1/nowhere`]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:1\/nowhere: cannot use the database.*ECONNREFUSED/);
    });

    it('missing --from or --to: usage, exit 2', async () => {
      const noFrom = await migrateCli(['--to', 'postgres://127.0.0.1/x']);
      expect(noFrom.code).toBe(2);
      expect(noFrom.stderr).toContain('migrate-storage needs --from <SQLite file>');
      const noTo = await migrateCli(['--from', 'x.db'], { DATABASE_URL: '' });
      expect(noTo.code).toBe(2);
      expect(noTo.stderr).toContain('migrate-storage needs --to <postgres URL> (or DATABASE_URL in the environment)');
    });
  });
});
