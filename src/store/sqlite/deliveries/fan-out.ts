// Fan-out: outbox events not yet fanned out become one delivery per matching enabled subscription,
// and the fan-out cursor moves past them, in the caller's transaction. A cursor on seq is safe here:
// one process writes the SQLite file, so events commit in seq order.
import type { Db } from '../db.js';
import type { OutboxStore } from '../outbox.js';
import type { EventHead, Subscription } from '../../types.js';

export class SqliteFanOut {
  private readonly cursorStmt;
  private readonly setCursorStmt;
  private readonly insertStmt;

  constructor(
    db: Db,
    private readonly outbox: OutboxStore,
  ) {
    this.cursorStmt = db.prepare(`SELECT value FROM cursors WHERE name = 'fanout'`);
    this.setCursorStmt = db.prepare(
      `INSERT INTO cursors (name, value) VALUES ('fanout', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    this.insertStmt = db.prepare(
      `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
  }

  /**
   * Fans out up to `limit` outbox events in the caller's transaction: how many it fanned out, and
   * whether the batch was full (there may be more).
   */
  run(
    match: (event: EventHead, sub: Subscription) => boolean,
    subscriptions: readonly Subscription[],
    newId: () => string,
    now: number,
    limit: number,
  ): { fannedOut: number; more: boolean } {
    const cursor = (this.cursorStmt.get() as { value: number } | undefined)?.value ?? 0;
    const events = this.outbox.headsAfter(cursor, limit);
    if (events.length === 0) return { fannedOut: 0, more: false };
    const subs = subscriptions.filter((s) => s.enabled);
    let fannedOut = 0;
    for (const event of events) {
      if (event.type === 'ping') continue; // a test send already has its one delivery
      fannedOut++;
      for (const sub of subs) {
        if (!match(event, sub)) continue;
        this.insertStmt.run(newId(), sub.id, event.seq, `${event.sourceId}/${event.leadId}`, now, now, now);
      }
    }
    this.setCursorStmt.run(events.at(-1)!.seq);
    return { fannedOut, more: events.length === limit };
  }
}
