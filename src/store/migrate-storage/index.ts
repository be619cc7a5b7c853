// migrate-storage: moves a stopped SQLite relay's database into an empty PostgreSQL database, all or
// nothing, so that replicas continue where it stopped: the same cursors and snapshot (nothing is
// announced again), the same events with the same seqs, the deliveries still to send (same
// webhook-ids), the events not fanned out yet, every secret and the install's keys.
//
// One PostgreSQL transaction, not resumable batches: a failure at any point (a lost connection, a
// full disk, a count that does not match) leaves the target as empty as it was, so running the
// command again is always the whole story; and replicas can never start on half a copy. The rows
// still go over in batches, so memory stays flat however large the database.
import { RelayError } from '../../util/errors.js';
import { FANOUT_QUEUE, TABLES } from './plan.js';
import { PgTarget } from './pg-target.js';
import { SqliteSource } from './sqlite-source.js';

export interface MigrateStorageOptions {
  /** The SQLite file (storage.path of the relay that used it). */
  from: string;
  /** postgres:// or postgresql:// URL of an empty database (any schema version up to this code's). */
  to: string;
  /** Rows per INSERT. Default 500 (about 1.5 MB of lead JSON). */
  batchRows?: number;
  /** Told as each table is copied (not committed yet). */
  onTable?: (table: string, rows: number) => void;
}

export interface MigrateStorageReport {
  from: { path: string; schemaVersion: number };
  /** host:port/database (never the user or password). */
  to: { target: string; schemaVersion: number };
  /** Rows copied per table, in copy order, then the fan-out queue; each verified by a count. */
  tables: Array<{ table: string; rows: number }>;
  /** The largest event seq handed out so far: PostgreSQL's next one is larger. */
  lastEventSeq: number;
}

export async function migrateStorage(opts: MigrateStorageOptions): Promise<MigrateStorageReport> {
  const batchRows = opts.batchRows ?? 500;
  const source = SqliteSource.open(opts.from);
  try {
    const target = await PgTarget.open(opts.to);
    try {
      const tables: MigrateStorageReport['tables'] = [];
      let lastEventSeq = 0;
      for (const t of TABLES) {
        let after: unknown[] | null = null;
        let rows = 0;
        for (;;) {
          const b = source.batch(t, after, batchRows);
          await target.insert(t, b.rows);
          rows += b.rows.length;
          if (b.rows.length < batchRows) break;
          after = b.last;
        }
        if (t.identity) {
          lastEventSeq = source.lastIdentity(t);
          await target.moveIdentityPast(t, lastEventSeq);
        }
        tables.push({ table: t.table, rows });
        opts.onTable?.(t.table, rows);
      }

      let queued = 0;
      for (let after = 0; ; ) {
        const seqs = source.unfannedSeqs(after, batchRows * 20);
        await target.queueFanOut(seqs);
        queued += seqs.length;
        if (seqs.length < batchRows * 20) break;
        after = seqs.at(-1)!;
      }
      tables.push({ table: FANOUT_QUEUE, rows: queued });
      opts.onTable?.(FANOUT_QUEUE, queued);

      // Counted on both sides inside both transactions: what committed is exactly what SQLite held.
      const mismatches: string[] = [];
      for (const t of TABLES) {
        const want = source.count(t.table);
        const got = await target.count(t.table);
        if (want !== got) mismatches.push(`${t.table}: ${want} in SQLite, ${got} in PostgreSQL`);
      }
      const wantQueued = source.unfannedCount();
      const gotQueued = await target.count(FANOUT_QUEUE);
      if (wantQueued !== gotQueued) mismatches.push(`${FANOUT_QUEUE}: ${wantQueued} events not fanned out in SQLite, ${gotQueued} queued in PostgreSQL`);
      if (mismatches.length > 0) {
        throw new RelayError('migrate_verify_failed', `the copy does not match (${mismatches.join('; ')}); it was rolled back, PostgreSQL at ${target.target} is unchanged`);
      }
      await target.commit();
      return {
        from: { path: source.path, schemaVersion: source.version },
        to: { target: target.target, schemaVersion: target.schemaVersion },
        tables,
        lastEventSeq,
      };
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}
