// The SQLite side of migrate-storage: the file opened read-only (it is never changed, so going back
// is starting the SQLite config again), accepted only at this code's schema version and only when
// no relay uses it, and read inside one read transaction: every table as of the same moment.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { RelayError } from '../../util/errors.js';
import { migrations } from '../sqlite/migrations/index.js';
import type { TableCopy } from './plan.js';

const LATEST = migrations.at(-1)?.version ?? 0;

export type Row = Record<string, unknown>;

export class SqliteSource {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly version: number,
  ) {}

  static open(path: string): SqliteSource {
    if (!existsSync(path)) throw new RelayError('migrate_source_missing', `no SQLite database at ${path}`);
    let db: Database.Database;
    try {
      // Read-only: no migration, no WAL checkpoint, no change of mode; a running relay's -wal is read, not written.
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new RelayError('migrate_source_unreadable', `cannot open ${path} as a SQLite database: ${(err as Error).message}`);
    }
    try {
      const version = schemaVersion(db, path);
      if (version > LATEST) {
        throw new RelayError(
          'storage_too_new',
          `database ${path} has schema version ${version}, newer than this leadrelay knows (${LATEST}); run migrate-storage from a leadrelay at least that new`,
        );
      }
      if (version < LATEST) {
        throw new RelayError(
          'migrate_source_too_old',
          `database ${path} has schema version ${version}, older than this leadrelay's (${LATEST}); start this leadrelay on it once (it migrates the file at start), stop it, then run migrate-storage again`,
        );
      }
      // From here on, every read sees the same snapshot of the file.
      db.exec('BEGIN');
      refuseInUse(db, path);
      return new SqliteSource(db, path, version);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Up to `limit` rows of `t` after the key `after` (null: from the first), with the key of the last
   * one to continue from; the rows carry t.columns only, booleans and bytes as PostgreSQL takes them.
   */
  batch(t: TableCopy, after: readonly unknown[] | null, limit: number): { rows: Row[]; last: unknown[] | null } {
    const keys = t.key.map((k, i) => `${k} AS __k${i}`).join(', ');
    const tuple = `(${t.key.join(', ')})`;
    const where = after ? `WHERE ${tuple} > (${t.key.map(() => '?').join(', ')})` : '';
    const sql = `SELECT ${keys}, ${t.columns.join(', ')} FROM ${t.table} ${where} ORDER BY ${t.key.join(', ')} LIMIT ?`;
    const raw = this.db.prepare(sql).all(...(after ?? []), limit) as Row[];
    const rows = raw.map((r) => {
      const out: Row = {};
      for (const c of t.columns) out[c] = r[c];
      for (const c of t.booleans ?? []) if (out[c] !== null) out[c] = out[c] !== 0;
      // BYTEA's text input (hex), as the JSON the rows travel in cannot hold bytes.
      for (const c of t.bytes ?? []) if (Buffer.isBuffer(out[c])) out[c] = `\\x${(out[c] as Buffer).toString('hex')}`;
      return out;
    });
    const lastRow = raw.at(-1);
    return { rows, last: lastRow ? t.key.map((_, i) => lastRow[`__k${i}`]) : null };
  }

  count(table: string): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  /**
   * Events the SQLite relay had not fanned out yet (past its fan-out cursor; test pings have their
   * delivery already), `limit` of them after `afterSeq`.
   */
  unfannedSeqs(afterSeq: number, limit: number): number[] {
    const rows = this.db
      .prepare(`SELECT seq FROM events WHERE seq > max(?, ${FANOUT_CURSOR}) AND type <> 'ping' ORDER BY seq LIMIT ?`)
      .all(afterSeq, limit) as Array<{ seq: number }>;
    return rows.map((r) => r.seq);
  }

  unfannedCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM events WHERE seq > ${FANOUT_CURSOR} AND type <> 'ping'`).get() as { n: number }).n;
  }

  /**
   * The largest value of t.identity ever handed out: AUTOINCREMENT never reuses one, even after
   * retention deleted the newest rows, and neither may PostgreSQL's identity.
   */
  lastIdentity(t: TableCopy): number {
    if (!t.identity) return 0;
    const row = this.db
      .prepare(
        `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), coalesce((SELECT max(${t.identity}) FROM ${t.table}), 0)) AS n`,
      )
      .get(t.table) as { n: number };
    return row.n;
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

const FANOUT_CURSOR = `coalesce((SELECT value FROM cursors WHERE name = 'fanout'), 0)`;

/** The last applied migration (or user_version, if higher); 0 when the file is no leadrelay database. */
function schemaVersion(db: Database.Database, path: string): number {
  try {
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
    const applied = hasTable ? ((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0) : 0;
    const version = Math.max(userVersion, applied);
    if (version === 0) throw new RelayError('migrate_source_unreadable', `${path} is not a leadrelay database (it has no schema_migrations)`);
    return version;
  } catch (err) {
    if (err instanceof RelayError) throw err;
    throw new RelayError('migrate_source_unreadable', `cannot read ${path} as a SQLite database: ${(err as Error).message}`);
  }
}

/**
 * A relay lists itself in replicas while it runs and removes itself when it stops cleanly. Copying
 * under a running relay would lose what it writes after the copy, and two relays would then send
 * the same backlog; after a crash the row stays, and a clean start and stop removes it.
 */
function refuseInUse(db: Database.Database, path: string): void {
  const row = db.prepare('SELECT id, last_seen_at FROM replicas ORDER BY last_seen_at DESC LIMIT 1').get() as
    | { id: string; last_seen_at: number }
    | undefined;
  if (!row) return;
  throw new RelayError(
    'migrate_source_in_use',
    `a relay is using ${path}, or the last one did not stop cleanly (replica ${row.id}, last seen ${new Date(row.last_seen_at).toISOString()}): stop it (SIGTERM) and run migrate-storage again; after a crash, start it once and stop it`,
  );
}
