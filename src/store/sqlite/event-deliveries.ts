// The deliveries of a page of events, counted by state (the event log's delivery column): one
// deliveries_event range per event, so a page of 50 costs 50 index probes however big the table.
import type { EventDeliveryCount } from '../types.js';
import type { Db } from './db.js';

export class EventDeliveriesStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare(
      `SELECT event_seq AS eventSeq, status, count(*) AS count FROM deliveries INDEXED BY deliveries_event
       WHERE event_seq IN (SELECT value FROM json_each(?)) GROUP BY event_seq, status`,
    );
  }

  counts(seqs: readonly number[]): EventDeliveryCount[] {
    if (seqs.length === 0) return [];
    return this.stmt.all(JSON.stringify(seqs)) as EventDeliveryCount[];
  }
}
