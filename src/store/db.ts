// Opens the SQLite database (WAL) and brings its schema to the version this code knows.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations/index.js';
import { storageErrorOf } from './errors.js';
import { RelayError } from '../util/errors.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Upper bound on the database file, in bytes (SQLite's max_page_count); writes past it fail with storage_full. */
  maxSizeBytes?: number;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (err) {
    throw new RelayError('storage_unavailable', `cannot open database ${path}: ${(err as Error).message}`);
  }
  try {
    // Before anything that could write: a database from a newer leadrelay is left exactly as it is.
    refuseNewer(db, path);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (only an OS crash can lose the last commits).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (opts.maxSizeBytes !== undefined) applySizeCap(db, opts.maxSizeBytes);
    migrate(db);
  } catch (err) {
    if (db.open) db.close();
    if (err instanceof RelayError) throw err;
    const storage = storageErrorOf(err, `cannot open database ${path}`);
    if (storage) throw storage;
    throw new RelayError('storage_unavailable', `cannot open database ${path}: ${(err as Error).message}`);
  }
  return db;
}

const LATEST = migrations.at(-1)?.version ?? 0;

/** The schema version recorded in the file: the last applied migration, or user_version if higher. */
function recordedVersion(db: Db): number {
  const userVersion = db.pragma('user_version', { simple: true }) as number;
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  const applied = hasTable ? ((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0) : 0;
  return Math.max(userVersion, applied);
}

function refuseNewer(db: Db, path: string): void {
  const current = recordedVersion(db);
  if (current > LATEST) {
    throw new RelayError(
      'storage_too_new',
      `database ${path} has schema version ${current}, newer than this leadrelay knows (${LATEST}); run a newer leadrelay or point storage.path elsewhere`,
    );
  }
}

/**
 * max_page_count cannot go below the pages already in use; SQLite then keeps the current size, so
 * a cap smaller than the file means "no growth at all", which is what an operator asked for.
 */
function applySizeCap(db: Db, maxSizeBytes: number): void {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxSizeBytes / pageSize))}`);
}

function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
      db.exec(m.sql);
      // Mirrored in the header, where `sqlite3 file 'PRAGMA user_version'` and other tools look.
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
