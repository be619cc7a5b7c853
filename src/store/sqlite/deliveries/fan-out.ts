// Fan-out: outbox events not yet fanned out become one delivery per matching enabled subscription,
// and the fan-out cursor moves past them, in the caller's transaction. A cursor on seq is safe here:
// one process writes the SQLite file, so events commit in seq order. Content filters are the
// caller's `match` (JS); an event's body is read only when a filter asks for it, and the events a
// filter kept back are counted per subscription in the same transaction.
import type { Db } from '../db.js';
import type { OutboxStore } from '../outbox.js';
import type { EventHead, FanOutDecision, FanOutEvent, Subscription } from '../../types.js';

export class SqliteFanOut {
  private readonly cursorStmt;
  private readonly setCursorStmt;
  private readonly insertStmt;
  private readonly countFilteredStmt;

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
    this.countFilteredStmt = db.prepare(
      `INSERT INTO subscription_filtered (subscription_id, filtered) VALUES (?, ?)
       ON CONFLICT (subscription_id) DO UPDATE SET filtered = filtered + excluded.filtered`,
    );
  }

  /**
   * Fans out up to `limit` outbox events in the caller's transaction: how many it fanned out,
   * whether the batch was full (there may be more), and what each filter kept back.
   */
  run(
    match: (event: FanOutEvent, sub: Subscription) => FanOutDecision,
    subscriptions: readonly Subscription[],
    newId: () => string,
    now: number,
    limit: number,
  ): { fannedOut: number; more: boolean; filtered: Map<string, number> } {
    const filtered = new Map<string, number>();
    const cursor = (this.cursorStmt.get() as { value: number } | undefined)?.value ?? 0;
    const events = this.outbox.headsAfter(cursor, limit);
    if (events.length === 0) return { fannedOut: 0, more: false, filtered };
    const subs = subscriptions.filter((s) => s.enabled);
    let fannedOut = 0;
    for (const head of events) {
      if (head.type === 'ping') continue; // a test send already has its one delivery
      fannedOut++;
      const event = this.withLazyBody(head);
      for (const sub of subs) {
        const decision = match(event, sub);
        if (decision === 'deliver') this.insertStmt.run(newId(), sub.id, event.seq, `${event.sourceId}/${event.leadId}`, now, now, now);
        else if (decision === 'filtered') filtered.set(sub.id, (filtered.get(sub.id) ?? 0) + 1);
      }
    }
    for (const [id, n] of filtered) this.countFilteredStmt.run(id, n);
    this.setCursorStmt.run(events.at(-1)!.seq);
    return { fannedOut, more: events.length === limit, filtered };
  }

  /** The head, with its body read (one indexed lookup) and parsed on the first payload() only. */
  private withLazyBody(head: EventHead): FanOutEvent {
    let parsed: unknown;
    let read = false;
    return {
      ...head,
      payload: () => {
        if (!read) {
          read = true;
          const body = this.outbox.body(head.seq);
          parsed = body === undefined ? undefined : JSON.parse(body);
        }
        return parsed;
      },
    };
  }
}
