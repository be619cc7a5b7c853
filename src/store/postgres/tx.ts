// Transactions on one pooled connection: BEGIN, the work, COMMIT; ROLLBACK on any error, and the
// connection always given back (dropped from the pool when it broke).
import type pg from 'pg';

export type Querier = Pick<pg.PoolClient, 'query'>;

/**
 * Runs `fn` in a transaction on one client of `pool`. A connection lost while the client is out of
 * the pool (between two statements) would otherwise be an unhandled 'error' event, i.e. a crash:
 * the listener below keeps it an error of this transaction.
 */
export async function inTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    if (!lost) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        lost = rollbackErr as Error;
      }
    }
    throw err;
  } finally {
    client.off('error', onError);
    // true: the connection is closed instead of reused (its session state is unknown).
    client.release(lost ? true : undefined);
  }
}
