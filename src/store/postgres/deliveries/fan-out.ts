// Fan-out: events waiting in fanout_pending become one delivery per matching enabled subscription
// (matched in JS, the caller's pure `match`), taken off the queue in the same transaction.
import type { DeliveryTurn } from '../../contract.js';
import type { EventHead, Subscription } from '../../types.js';
import { callback, num, type PgClient } from './client.js';
import { subscriptionFromJson, type SubscriptionJson } from './rows.js';

/** The advisory lock key of fan-out (ASCII "lrfo"): one fan-out at a time across replicas. */
const FANOUT_LOCK = 0x6c72666f;

// Round trip 1: the lock, the smallest seqs waiting and the enabled subscriptions, in one statement.
// pg_try_advisory_xact_lock: while another replica fans out, this one skips fan-out for this turn
// (that replica is doing the work) rather than waiting behind it. Should the lock be granted just
// after the other replica committed but our snapshot predates that commit, we read events it took:
// harmless, since the write below only inserts for rows its DELETE actually removed.
const READ = /* sql */ `
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS got),
heads AS (
  SELECT e.seq, e.type, e.source_id, e.lead_id FROM fanout_pending f JOIN events e ON e.seq = f.seq
  WHERE (SELECT got FROM lock) ORDER BY f.seq LIMIT $2::int
)
SELECT (SELECT coalesce(json_agg(h ORDER BY h.seq), '[]') FROM heads h) AS events,
       (SELECT coalesce(json_agg(s), '[]') FROM subscriptions s WHERE s.enabled AND EXISTS (SELECT 1 FROM heads)) AS subs`;

// Round trip 2: take the events off the queue and insert their deliveries (multi-row, from arrays).
// The DELETE ... RETURNING is what makes each event fan out exactly once, lock or no lock: a
// replica inserts deliveries only for the rows its own DELETE removed. Taking the smallest seqs
// first keeps one lead's deliveries in seq order: a lead's events come from one source's pages,
// committed one after another, so its earlier events are always queued (and taken) no later.
// FOR KEY SHARE on the subscriptions: one deleted since the read is skipped instead of failing
// the foreign key, and one cannot be deleted before this commits.
const WRITE = /* sql */ `
WITH taken AS (DELETE FROM fanout_pending WHERE seq = ANY($1::bigint[]) RETURNING seq),
live AS (SELECT id FROM subscriptions WHERE id = ANY($2::text[]) FOR KEY SHARE),
made AS (
  INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
  SELECT u.id, u.sub, u.seq, u.lead_key, 'pending', 0, $7::bigint, $7::bigint, $7::bigint
  FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) AS u(id, sub, seq, lead_key)
  WHERE u.seq IN (SELECT seq FROM taken) AND u.sub IN (SELECT id FROM live)
  RETURNING 1
)
SELECT (SELECT count(*) FROM taken)::int AS taken, (SELECT count(*) FROM made)::int AS made`;

interface HeadJson {
  seq: number | string;
  type: EventHead['type'];
  source_id: string;
  lead_id: string;
}

/** Fans out up to t.fanOutLimit events in the caller's transaction; returns how many it took. */
export async function fanOut(client: PgClient, t: Pick<DeliveryTurn, 'fanOutLimit' | 'match' | 'newDeliveryId' | 'now'>): Promise<number> {
  const read = await client.query<{ events: HeadJson[]; subs: SubscriptionJson[] }>({
    name: 'lr_dlv_fanout_read',
    text: READ,
    values: [FANOUT_LOCK, t.fanOutLimit],
  });
  const { events, subs } = read.rows[0]!;
  if (events.length === 0) return 0;
  const subscriptions: Subscription[] = subs.map(subscriptionFromJson);
  const ids: string[] = [];
  const subIds: string[] = [];
  const seqs: number[] = [];
  const leadKeys: string[] = [];
  for (const row of events) {
    const event: EventHead = { seq: num(row.seq), type: row.type, sourceId: row.source_id, leadId: row.lead_id };
    if (event.type === 'ping') continue; // a test send already has its one delivery
    for (const sub of subscriptions) {
      if (!callback(() => t.match(event, sub))) continue;
      ids.push(callback(() => t.newDeliveryId()));
      subIds.push(sub.id);
      seqs.push(event.seq);
      leadKeys.push(`${event.sourceId}/${event.leadId}`);
    }
  }
  const write = await client.query<{ taken: number }>({
    name: 'lr_dlv_fanout_write',
    text: WRITE,
    values: [events.map((e) => num(e.seq)), subscriptions.map((s) => s.id), ids, subIds, seqs, leadKeys, t.now],
  });
  return write.rows[0]!.taken;
}
