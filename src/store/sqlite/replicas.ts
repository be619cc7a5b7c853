// Live replicas (a SQLite relay lists itself) and periodic-job ticks granted once per slot.
import type { Db } from './db.js';
import type { ReplicaInfo } from '../types.js';

/** Ticks older than this many slots of their job are deleted as new ones are claimed. */
const TICKS_KEPT = 1000;

export class SqliteReplicas {
  private readonly heartbeatStmt;
  private readonly listStmt;
  private readonly removeStmt;
  private readonly tickStmt;
  private readonly pruneTicksStmt;

  constructor(db: Db) {
    this.heartbeatStmt = db.prepare(
      `INSERT INTO replicas (id, version, started_at, last_seen_at) VALUES (@id, @version, @startedAt, @now)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, started_at = excluded.started_at, last_seen_at = excluded.last_seen_at`,
    );
    this.listStmt = db.prepare(`SELECT * FROM replicas WHERE last_seen_at >= ? ORDER BY last_seen_at DESC, id`);
    this.removeStmt = db.prepare(`DELETE FROM replicas WHERE id = ?`);
    this.tickStmt = db.prepare(`INSERT INTO ticks (job, slot, replica_id, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.pruneTicksStmt = db.prepare(`DELETE FROM ticks WHERE job = ? AND slot < ?`);
  }

  heartbeat(replica: Omit<ReplicaInfo, 'lastSeenAt'>, now: number): void {
    this.heartbeatStmt.run({ ...replica, now });
  }

  list(since: number): ReplicaInfo[] {
    const rows = this.listStmt.all(since) as Array<{ id: string; version: string; started_at: number; last_seen_at: number }>;
    return rows.map((r) => ({ id: r.id, version: r.version, startedAt: r.started_at, lastSeenAt: r.last_seen_at }));
  }

  remove(id: string): void {
    this.removeStmt.run(id);
  }

  claimTick(job: string, slot: number, replicaId: string, now: number): boolean {
    const won = this.tickStmt.run(job, slot, replicaId, now).changes > 0;
    if (won) this.pruneTicksStmt.run(job, slot - TICKS_KEPT);
    return won;
  }
}
