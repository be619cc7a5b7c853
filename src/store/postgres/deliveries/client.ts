// What the PostgreSQL delivery ops need of node-postgres (a pg.Pool satisfies it), and the few rules
// every op shares: transactions on one pooled client, int8 as numbers, which errors to retry or to hand back.
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { isStorageError } from '../../errors.js';

/** One connection, or the pool: anything that runs a query. */
export interface PgQueryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** A client checked out of the pool; `release(err)` with an error discards a broken connection. */
export interface PgClient extends PgQueryable {
  release(err?: Error | boolean): void;
  on?(event: 'error', listener: (err: Error) => void): unknown;
  off?(event: 'error', listener: (err: Error) => void): unknown;
}

/** A `pg.Pool` (or a wrapper around one, e.g. one that counts round trips). */
export interface PgDb extends PgQueryable {
  connect(): Promise<PgClient>;
}

/**
 * int8 (BIGINT, count(*)) arrives as a string unless the pool set a type parser: accept both. The
 * values held here (ms times, seqs, tokens) stay far below 2^53.
 */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * A deadlock or serialization failure: PostgreSQL rolled the transaction back and it may simply be
 * run again. Our own transactions take their row locks in one order (deliveries, then subscriptions
 * by id), but an operator deleting a subscription (cascading to its deliveries) takes them the other
 * way round, so a rare deadlock with it is expected.
 */
export function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  return code === '40P01' || code === '40001';
}

/**
 * An error about what a statement was asked to do (bad data, a constraint, a bug in a callback), as
 * opposed to the database being unreachable, restarting, out of resources or timing out: the
 * former is handed back per record (or as the turn's claimError), the latter thrown so callers pause.
 */
export function isStatementFault(err: unknown): boolean {
  if (isStorageError(err)) return false;
  if (err instanceof CallbackError) return true;
  const code = sqlState(err);
  if (!code) return false; // connection refused/reset/terminated: node-postgres gives no SQLSTATE
  // 22 data exception, 23 integrity constraint violation, 42 syntax or access rule, P0 raised in PL/pgSQL.
  return ['22', '23', '42', 'P0'].includes(code.slice(0, 2));
}

/** A caller's function (match, newDeliveryId) threw: its error, marked as not the database's. */
export class CallbackError extends Error {
  constructor(readonly original: unknown) {
    super(asError(original).message);
    this.name = 'CallbackError';
  }
}

/** Runs the caller's function; what it throws becomes a CallbackError. */
export function callback<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CallbackError(err);
  }
}

/**
 * Runs fn inside BEGIN/COMMIT on one pooled client: ROLLBACK on error, the client released (and
 * discarded when the connection itself failed). Deadlocks are retried a few times.
 */
export async function transaction<T>(db: PgDb, fn: (client: PgClient) => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await once(db, fn);
    } catch (err) {
      if (round < 5 && isRetryable(err)) continue;
      throw err;
    }
  }
}

/**
 * A client of the pool that listens for 'error' until it is released: node-postgres emits 'error'
 * on a client whose connection ends (a database restart) and, while it is checked out, nothing else
 * listens, so the process crashed (seen in test/replicas-pg-faults.test.ts). The loss surfaces as
 * the next statement's error, and release() discards the connection.
 */
export async function checkout(db: PgDb): Promise<PgClient> {
  const client = await db.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on?.('error', onError);
  return {
    query: <R extends QueryResultRow>(config: QueryConfig) => client.query<R>(config),
    release(err?: Error | boolean) {
      client.off?.('error', onError);
      client.release(err || lost);
    },
  };
}

async function once<T>(db: PgDb, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await checkout(db);
  let broken: Error | undefined;
  try {
    await client.query({ text: 'BEGIN' });
    const result = await fn(client);
    await client.query({ text: 'COMMIT' });
    return result;
  } catch (err) {
    broken = await rollback(client, err);
    throw err;
  } finally {
    client.release(broken);
  }
}

/** ROLLBACK after a failure; returns an error when the connection is unusable (to discard it). */
export async function rollback(client: PgClient, cause: unknown): Promise<Error | undefined> {
  try {
    await client.query({ text: 'ROLLBACK' });
    return undefined;
  } catch {
    return asError(cause);
  }
}

/** Retries a single statement (its own transaction) on a deadlock. */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await fn();
    } catch (err) {
      if (round < 5 && isRetryable(err)) continue;
      throw err;
    }
  }
}
