// Storage failures (disk full, read-only or failing disk) told apart from bugs, with a message an operator can act on.
import { RelayError } from '../util/errors.js';

export type StorageErrorCode = 'storage_full' | 'storage_read_only' | 'storage_io_error';

const HINTS: Record<StorageErrorCode, string> = {
  storage_full: 'the database or its disk is full (storage.maxSizeMb reached, or no space left); free space or raise storage.maxSizeMb',
  storage_read_only: 'the database is read-only; check the permissions and mount of storage.path',
  storage_io_error: 'the disk failed a read or write; check the disk and the filesystem of storage.path',
};

// better-sqlite3 names the SQLite result code (extended codes included, e.g. SQLITE_IOERR_WRITE).
function codeOf(err: unknown): StorageErrorCode | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL') return 'storage_full';
  if (code.startsWith('SQLITE_READONLY')) return 'storage_read_only';
  if (code.startsWith('SQLITE_IOERR')) return 'storage_io_error';
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
  const sqlite = (err as { code: string }).code;
  return new RelayError(code, `${context ? `${context}: ` : ''}${HINTS[code]} [${sqlite}]`, 503);
}

export function isStorageError(err: unknown): boolean {
  if (err instanceof RelayError) return err.code === 'storage_full' || err.code === 'storage_read_only' || err.code === 'storage_io_error';
  return codeOf(err) !== null;
}

/**
 * A sync run's write refused because this replica no longer holds the source's lease (it stalled
 * past it and another replica took the source over). Nothing of the write was applied.
 */
export class LeaseLostError extends RelayError {
  constructor(sourceId: string, replicaId: string) {
    super('lease_lost', `source ${sourceId}: replica ${replicaId} no longer holds its lease (another replica took it over); the write was discarded`, 409);
    this.name = 'LeaseLostError';
  }
}
