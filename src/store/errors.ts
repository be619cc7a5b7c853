// Storage failures (disk full, read-only or failing disk, database unreachable or too slow) told
// apart from bugs, with a message an operator can act on; and the fencing refusal of a lost lease.
import { RelayError } from '../util/errors.js';

export type StorageErrorCode = 'storage_full' | 'storage_read_only' | 'storage_io_error' | 'storage_unavailable' | 'storage_timeout';

const STORAGE_CODES: ReadonlySet<string> = new Set<StorageErrorCode>([
  'storage_full',
  'storage_read_only',
  'storage_io_error',
  'storage_unavailable',
  'storage_timeout',
]);

const HINTS: Record<StorageErrorCode, string> = {
  storage_full: 'the database or its disk is full (storage.maxSizeMb reached, or no space left); free space or raise storage.maxSizeMb',
  storage_read_only: 'the database is read-only; check the permissions and mount of storage.path',
  storage_io_error: 'the disk failed a read or write; check the disk and the filesystem of storage.path',
  storage_unavailable: 'the database cannot be reached; check that it runs and storage.url',
  storage_timeout: 'a database statement ran longer than storage.statementTimeout and was cancelled',
};

// better-sqlite3 names the SQLite result code (extended codes included, e.g. SQLITE_IOERR_WRITE).
// PostgreSQL's own failures reach here already mapped (postgres/errors.ts) or as a server error
// carrying a SQLSTATE and a severity; a bare ECONNREFUSED is not classified here, since a
// subscriber's refused connection must never pause delivery as if the database were down.
function codeOf(err: unknown): StorageErrorCode | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL') return 'storage_full';
  if (code.startsWith('SQLITE_READONLY')) return 'storage_read_only';
  if (code.startsWith('SQLITE_IOERR')) return 'storage_io_error';
  if (typeof (err as { severity?: unknown }).severity === 'string') return pgCodeOf(code);
  return null;
}

/** A PostgreSQL SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html) as a storage error code. */
export function pgCodeOf(sqlstate: string): StorageErrorCode | null {
  if (sqlstate === '57014') return 'storage_timeout'; // query_canceled: statement_timeout
  if (sqlstate === '53100') return 'storage_full'; // disk_full
  if (sqlstate === '25006') return 'storage_read_only'; // read_only_sql_transaction: a standby
  if (sqlstate === '58030' || sqlstate === 'XX001' || sqlstate === 'XX002') return 'storage_io_error';
  // 08: connection exceptions; 57P01-03: admin/crash shutdown, cannot connect now (starting up);
  // 53: out of connections or memory; 28: authentication; 3D000: no such database; 25P03: the
  // server ended a session whose transaction sat idle too long (the process was frozen, pool.ts).
  if (sqlstate.startsWith('08') || /^57P0[1-3]$/.test(sqlstate) || sqlstate.startsWith('53') || sqlstate.startsWith('28') || sqlstate === '3D000' || sqlstate === '25P03') {
    return 'storage_unavailable';
  }
  return null;
}

/**
 * A RelayError for a storage failure, its message led by `context` (what was being done), or null
 * when `err` is something else.
 */
export function storageErrorOf(err: unknown, context?: string): RelayError | null {
  if (err instanceof RelayError) return isStorageError(err) ? err : null;
  const code = codeOf(err);
  if (!code) return null;
  const raw = (err as { code: string }).code;
  return new RelayError(code, `${context ? `${context}: ` : ''}${HINTS[code]} [${raw}]`, 503);
}

export function isStorageError(err: unknown): boolean {
  if (err instanceof RelayError) return STORAGE_CODES.has(err.code);
  return codeOf(err) !== null;
}

/**
 * A write of a sync run whose replica no longer holds the source's lease (it stalled past the
 * lease and another replica took the source over, or the lease was released): nothing was written.
 */
export class LeaseLostError extends RelayError {
  constructor(
    readonly sourceId: string,
    readonly replicaId: string,
  ) {
    super('lease_lost', `source ${sourceId}: replica ${replicaId} no longer holds its lease (another replica took it over, or it was released); nothing was written`, 409);
    this.name = 'LeaseLostError';
  }
}
