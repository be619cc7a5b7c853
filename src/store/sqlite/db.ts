// Opens the SQLite database (WAL) and brings its schema to the version this code knows.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations/index.js';
import { storageErrorOf } from '../errors.js';
import { RelayError } from '../../util/errors.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Upper bound on the database file, in bytes (SQLite's max_page_count); writes past it fail with storage_full. */
  maxSizeBytes?: number;
  /** Told about what an operator should know but that does not stop the start (a file's mode changed). */
  onNotice?: (message: string) => void;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    if (path !== ':memory:') createPrivately(path);
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
    if (path !== ':memory:') tighten(path, opts.onNotice);
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

/**
 * The database holds signing secrets, header credentials and lead PII, so only its owner may read
 * it. Missing directories are made 0700 (an existing one is the operator's and keeps its mode), and
 * the file is made 0600 here before SQLite would make it 0644: SQLite gives the -wal and -shm it
 * creates the database file's mode whatever the umask (os_unix.c, findCreateFileMode and
 * robust_open), so every WAL of every later start follows.
 */
function createPrivately(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600)); // an empty file is an empty database to SQLite
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * A database made by an older leadrelay (or copied in) may be readable by others: group and other
 * access is taken away from it and its -wal and -shm. After refuseNewer, so a database this code
 * refuses is left exactly as it was.
 */
function tighten(path: string, notice: OpenOptions['onNotice']): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // no -wal or -shm (yet): SQLite makes them with the database file's mode
    }
    if ((mode & 0o077) === 0) continue;
    const octal = (m: number) => m.toString(8).padStart(4, '0');
    try {
      chmodSync(file, mode & 0o700);
      notice?.(`${file} was readable by other users (mode ${octal(mode)}); its mode is now ${octal(mode & 0o700)}`);
    } catch (err) {
      // Not ours to change (another owner): the relay still runs, and says so.
      notice?.(`${file} is readable by other users (mode ${octal(mode)}) and could not be changed: ${(err as Error).message}`);
    }
  }
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
