// The PostgreSQL side of migrate-storage: the schema migrated as a replica would, then one
// transaction that locks the tables, refuses a database already holding leadrelay data, takes the
// copied rows in batches and commits only once every count matches. Nothing is half-copied.
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { RelayError } from '../../util/errors.js';
import { LOCKS } from '../postgres/locks.js';
import { LATEST_PG_SCHEMA, migrate } from '../postgres/migrate.js';
import { clientConfig } from '../postgres/pool.js';
import { pgStorageError } from '../postgres/errors.js';
import { describeTarget } from '../postgres/url.js';
import { FANOUT_QUEUE, type TableCopy } from './plan.js';
import type { Row } from './sqlite-source.js';

/** Every table of the PostgreSQL schema that holds relay data (install_keys: its first migration fills it). */
const DATA_TABLES = [
  'sources', 'leads', 'scan_seen', 'lead_events', 'events', 'fanout_pending', 'subscriptions',
  'subscription_filtered', 'deliveries', 'delivery_attempts', 'delivery_leases', 'replicas', 'ticks',
];
const LOCKED_TABLES = [...DATA_TABLES, 'install_keys'];

export class PgTarget {
  private constructor(
    private readonly client: pg.Client,
    /** host:port/database: for messages (never the user or password). */
    readonly target: string,
  ) {}

  /**
   * Migrates the schema, then opens the copy's transaction. Fails with migrate_target_not_empty
   * when the database already holds leadrelay data (a relay ran on it, or an earlier copy committed).
   */
  static async open(url: string): Promise<PgTarget> {
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new RelayError('migrate_bad_url', '--to must be a postgres:// or postgresql:// URL');
    try {
      parse(url);
    } catch {
      throw new RelayError('migrate_bad_url', '--to is not a valid PostgreSQL URL');
    }
    const target = describeTarget(url);
    // No statement timeout: one large transaction, and statements that wait for locks.
    const config = clientConfig({ url, statementTimeoutMs: 0, replicaId: 'migrate-storage' });
    const client = new pg.Client(config);
    client.on('error', () => {}); // a lost connection fails the statement in progress, reported there
    try {
      await migrate(config, target);
      await client.connect();
      // Held until the end: a replica starting meanwhile waits at its migration step (which has no
      // statement timeout) instead of timing out behind the table locks below.
      await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
      await client.query('BEGIN');
      // Writers wait until the copy commits (readers do not); a replica already running is seen below.
      await client.query(`SET LOCAL lock_timeout = '10s'`);
      await client.query(`LOCK TABLE ${LOCKED_TABLES.join(', ')} IN EXCLUSIVE MODE`);
      const { rows } = await client.query<{ t: string }>(
        DATA_TABLES.map((t) => `SELECT '${t}' AS t WHERE EXISTS (SELECT 1 FROM ${t})`).join(' UNION ALL '),
      );
      if (rows.length > 0) {
        throw new RelayError(
          'migrate_target_not_empty',
          `PostgreSQL at ${target} already holds leadrelay data (in ${rows.map((r) => r.t).join(', ')}); migrate-storage only fills an empty database, it never merges: point --to at a new database (CREATE DATABASE ...), or drop this one and create it again`,
        );
      }
    } catch (err) {
      await client.end().catch(() => {});
      if ((err as { code?: unknown }).code === '55P03') {
        throw new RelayError(
          'migrate_target_busy',
          `PostgreSQL at ${target}: leadrelay's tables are in use (is a relay running on this database?); stop it, or point --to at a new database`,
        );
      }
      throw pgStorageError(err, target);
    }
    return new PgTarget(client, target);
  }

  get schemaVersion(): number {
    return LATEST_PG_SCHEMA;
  }

  /** Writes copied rows of `t` (keys as t.columns) in one statement. */
  async insert(t: TableCopy, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const cols = t.columns.join(', ');
    // The rows travel as one JSON array, typed by the table's own row type: strings arrive exactly
    // as written (the lead snapshot is compared by its text), numbers and booleans as themselves.
    const overriding = t.identity ? 'OVERRIDING SYSTEM VALUE' : '';
    const replace = t.replaceOn
      ? `ON CONFLICT (${t.replaceOn}) DO UPDATE SET ${t.columns.filter((c) => c !== t.replaceOn).map((c) => `${c} = excluded.${c}`).join(', ')}`
      : '';
    await this.run(
      `INSERT INTO ${t.table} (${cols}) ${overriding} SELECT ${cols} FROM json_populate_recordset(NULL::${t.table}, $1::json) ${replace}`,
      [JSON.stringify(rows)],
    );
  }

  /** Queues events for fan-out, as a replica's page write does. */
  async queueFanOut(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await this.run(`INSERT INTO ${FANOUT_QUEUE} (seq) SELECT unnest($1::bigint[])`, [seqs]);
  }

  /** The next generated value of t.identity comes after `last`. */
  async moveIdentityPast(t: TableCopy, last: number): Promise<void> {
    if (t.identity && last > 0) await this.run(`SELECT setval(pg_get_serial_sequence($1, $2), $3)`, [t.table, t.identity, last]);
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.run(`SELECT count(*)::bigint AS n FROM ${table}`);
    return Number(rows[0]!.n);
  }

  async commit(): Promise<void> {
    await this.run('COMMIT');
  }

  /** Rolls back what is not committed and disconnects (the advisory lock goes with the session). */
  async close(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => {});
    await this.client.end().catch(() => {});
  }

  private async run(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query(text, values);
    } catch (err) {
      throw pgStorageError(err, this.target);
    }
  }
}
