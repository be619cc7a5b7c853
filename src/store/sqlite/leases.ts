// Source leases: which process polls a source, with a fencing token every write of its sync run
// checks in its own transaction. One relay owns a SQLite file, so here they mostly keep the
// contract's promises (and its tests) the same on both backends.
import type { Db } from './db.js';
import type { Fence } from '../contract.js';
import type { SourceLeaseView } from '../types.js';
import { LeaseLostError } from '../errors.js';

export class SqliteLeases {
  private readonly acquireStmt;
  private readonly renewStmt;
  private readonly releaseStmt;
  private readonly listStmt;
  private readonly checkStmt;

  constructor(db: Db) {
    // Free, expired or already ours: ours keeps its token, a takeover gets the next one.
    this.acquireStmt = db.prepare(
      `UPDATE sources SET
         lease_token = CASE WHEN lease_owner = @replicaId THEN lease_token ELSE lease_token + 1 END,
         lease_owner = @replicaId, lease_expires_at = @until
       WHERE id = @sourceId AND (lease_owner IS NULL OR lease_owner = @replicaId OR lease_expires_at IS NULL OR lease_expires_at <= @now)
       RETURNING lease_token`,
    );
    this.renewStmt = db.prepare(
      `UPDATE sources SET lease_expires_at = @until WHERE id = @sourceId AND lease_owner = @replicaId AND lease_token = @token`,
    );
    this.releaseStmt = db.prepare(
      `UPDATE sources SET lease_owner = NULL, lease_expires_at = NULL WHERE id = @sourceId AND lease_owner = @replicaId AND lease_token = @token`,
    );
    this.listStmt = db.prepare(`SELECT id, lease_owner, lease_token, lease_expires_at FROM sources ORDER BY id`);
    this.checkStmt = db.prepare(`SELECT 1 FROM sources WHERE id = @sourceId AND lease_owner = @replicaId AND lease_token = @token`);
  }

  acquire(sourceId: string, replicaId: string, now: number, ttlMs: number): Fence | null {
    const row = this.acquireStmt.get({ sourceId, replicaId, now, until: now + ttlMs }) as { lease_token: number } | undefined;
    return row ? { sourceId, replicaId, token: row.lease_token } : null;
  }

  renew(fence: Fence, now: number, ttlMs: number): boolean {
    return this.renewStmt.run({ ...fence, until: now + ttlMs }).changes > 0;
  }

  release(fence: Fence): void {
    this.releaseStmt.run(fence);
  }

  list(): SourceLeaseView[] {
    const rows = this.listStmt.all() as Array<{ id: string; lease_owner: string | null; lease_token: number; lease_expires_at: number | null }>;
    return rows.map((r) => ({ sourceId: r.id, owner: r.lease_owner, token: r.lease_token, expiresAt: r.lease_expires_at }));
  }

  /** Inside a write's transaction: throws LeaseLostError unless the fence still holds the lease. */
  check(fence: Fence | null): void {
    if (fence && !this.checkStmt.get(fence)) throw new LeaseLostError(fence.sourceId, fence.replicaId);
  }
}
