// The connection pool to PostgreSQL: built from storage.url and the storage keys, with BIGINTs as
// numbers, a replica-named application_name, and a count of SQL round trips.
import pg from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import type { SslMode } from '../../config/schema.js';
import { sslmodeInUrl, withSslmode } from './url.js';

export interface PgConnectOptions {
  /** postgres:// or postgresql:// URL (libpq style: user, password, host, port, database, query parameters). */
  url: string;
  /** Most connections this process opens (the LISTEN connection not counted). Default 10. */
  poolSize?: number;
  /** ms a statement may run before the server cancels it (storage_timeout). Default 30 s; 0: no limit. */
  statementTimeoutMs?: number;
  /** TLS, libpq's meanings; wins over the URL's sslmode (the config refuses two different ones). Default: the URL's, else disable. */
  sslmode?: SslMode;
  /** Shown in pg_stat_activity as leadrelay/<replicaId>. */
  replicaId?: string;
  /** ms to wait for a connection before giving up (storage_unavailable). Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * ms a transaction may sit idle (between two of its statements) before the server ends the
   * session; the relay passes storage.leaseTtl. Default: no limit.
   */
  idleInTransactionTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

// BIGINT (int8, OID 20) comes back as a string by default, since it can exceed 2^53. Every BIGINT
// in this schema is a ms time, an identity seq, a lease token, a scan generation or a count: none
// comes near 2^53 (ms times reach it in the year 287396; seqs after 9e15 events), so they are read
// as numbers, and one that is not safe fails loudly rather than being rounded.
const INT8 = 20;
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`a BIGINT value (${text}) is beyond 2^53 and cannot be read exactly`);
  return n;
}
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** node-postgres client settings for the options, TLS with libpq's sslmode meanings. */
export function clientConfig(opts: PgConnectOptions): pg.ClientConfig {
  const mode = opts.sslmode ?? sslmodeInUrl(opts.url) ?? 'disable';
  // libpq semantics (require: encrypted, certificate not checked; verify-ca: chain only;
  // verify-full: chain and host name). node-postgres' default treats require as verify-full.
  const base = toClientConfig(parse(withSslmode(opts.url, mode), { useLibpqCompat: true }));
  const timeout = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    ...base,
    // The server keeps 63 bytes of it (NAMEDATALEN).
    application_name: `leadrelay/${opts.replicaId ?? process.pid}`.slice(0, 63),
    statement_timeout: timeout > 0 ? timeout : false,
    // A process frozen inside a transaction (SIGSTOP, a stalled VM, a long GC pause) would hold its
    // row locks for as long as it is frozen: the source it was committing a page of could not be
    // taken over, and deliveries of the subscriptions it had locked would wait on it. Seen in
    // test/replicas.test.ts (a replica SIGSTOPped mid-commit blocked the takeover for good). The
    // server ends such a session after this; a frozen replica's lease has run out by then anyway.
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs && opts.idleInTransactionTimeoutMs > 0 ? opts.idleInTransactionTimeoutMs : undefined,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    types,
  };
}

/**
 * Only the message and code of a driver error: pg-pool attaches the client (and with it the
 * connection parameters, password included) to the errors it emits, and a logger serializing the
 * error's properties would print them.
 */
export function plainError(err: Error): Error {
  const out = new Error(err.message);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(out, { code });
  return out;
}

const counters = new WeakMap<pg.Pool, { n: number }>();

/**
 * SQL round trips made through this pool so far (every query of every client, BEGIN and COMMIT
 * included): benchmarks and metrics divide it by the work done.
 */
export function roundTripsOf(pool: pg.Pool): number {
  return counters.get(pool)?.n ?? 0;
}

/**
 * The pool. Its 'error' events (an idle connection cut by a database restart) are passed to
 * `onIdleError` and never crash the process; the next query opens a new connection.
 */
export function createPool(opts: PgConnectOptions, onIdleError?: (err: Error) => void): pg.Pool {
  const counter = { n: 0 };
  class CountingClient extends pg.Client {
    override query(...args: any[]): any {
      counter.n++;
      return (super.query as (...a: any[]) => any)(...args);
    }
  }
  const pool = new pg.Pool({
    ...clientConfig(opts),
    max: opts.poolSize ?? DEFAULT_POOL_SIZE,
    idleTimeoutMillis: 30_000,
    Client: CountingClient as unknown as new () => pg.ClientBase,
  });
  pool.on('error', (err) => onIdleError?.(plainError(err)));
  counters.set(pool, counter);
  return pool;
}
