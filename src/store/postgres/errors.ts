// PostgreSQL failures as storage errors: what the driver throws when the server is down,
// restarting, unreachable or too slow becomes a RelayError with a code callers pause on.
import { RelayError } from '../../util/errors.js';
import { pgCodeOf, type StorageErrorCode } from '../errors.js';

// Node's socket errors while connecting to or talking with the server.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

// node-postgres reports a lost connection with plain Errors (no code): "Connection terminated
// unexpectedly", "Connection terminated due to connection timeout", "timeout exceeded when trying
// to connect", "Client has encountered a connection error and is not queryable".
const LOST_CONNECTION = /connection terminated|timeout exceeded when trying to connect|not queryable|connection timeout/i;

const WHAT: Record<StorageErrorCode, string> = {
  storage_unavailable: 'cannot use the database; check that PostgreSQL runs and accepts connections, and storage.url',
  storage_timeout: 'a statement ran longer than storage.statementTimeout and was cancelled; check the database for load or long locks, or raise storage.statementTimeout',
  storage_full: "the database server's disk is full; free space on it",
  storage_read_only: 'the database is read-only (a standby?); point storage.url at the primary',
  storage_io_error: 'the database server failed a read or write; check its disk and its log',
};

function classify(err: unknown): { code: StorageErrorCode; detail: string } | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return { code: 'storage_unavailable', detail: code };
    // A server error: severity and a five-character SQLSTATE.
    if (typeof (err as { severity?: unknown }).severity === 'string') {
      const mapped = pgCodeOf(code);
      return mapped && { code: mapped, detail: `${code}: ${err.message}` };
    }
  }
  // An AggregateError (connecting to each address of a host name) carries the socket codes inside.
  if (err instanceof AggregateError && err.errors.length > 0) return classify(err.errors[0]);
  if (LOST_CONNECTION.test(err.message)) return { code: 'storage_unavailable', detail: err.message };
  return null;
}

/**
 * `err` as a storage RelayError naming `target` (host:port/db, never the password), or unchanged
 * when it is not a storage failure (a bug, a constraint, LeaseLostError).
 */
export function pgStorageError(err: unknown, target: string): unknown {
  if (err instanceof RelayError) return err;
  const c = classify(err);
  if (!c) return err;
  return new RelayError(c.code, `PostgreSQL at ${target}: ${WHAT[c.code]} [${c.detail}]`, 503);
}

/**
 * Every method of `ops` (own or inherited: plain objects and class instances alike) with its
 * failures mapped by pgStorageError: one place for every op group, so none lets a raw driver error
 * through.
 */
export function guardOps<T extends object>(ops: T, target: string): T {
  const out: Record<string, unknown> = {};
  for (let o: object | null = ops; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor' || name in out) continue;
      const value = (ops as Record<string, unknown>)[name];
      out[name] =
        typeof value === 'function'
          ? async (...args: unknown[]) => {
              try {
                return await (value as (...a: unknown[]) => unknown).apply(ops, args);
              } catch (err) {
                throw pgStorageError(err, target);
              }
            }
          : value;
    }
  }
  return out as T;
}
