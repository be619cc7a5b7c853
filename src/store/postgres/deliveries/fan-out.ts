// Fan-out: events waiting in fanout_pending become one delivery per matching enabled subscription
// (matched in JS, the caller's pure `match`, content filters included), taken off the queue in the
// same transaction, with the events each filter kept back counted per subscription.
import type { DeliveryTurn } from '../../contract.js';
import type { FanOutEvent, Subscription } from '../../types.js';
import { callback, num, type PgClient } from './client.js';
import { subscriptionFromJson, type SubscriptionJson } from './rows.js';

/** The advisory lock key of fan-out (ASCII "lrfo"): one fan-out at a time across replicas. */
const FANOUT_LOCK = 0x6c72666f;

// Round trip 1: the lock, the smallest seqs waiting and the enabled subscriptions, in one statement.
// pg_try_advisory_xact_lock: while another replica fans out, this one skips fan-out for this turn
// (that replica is doing the work) rather than waiting behind it. Should the lock be granted just
// after the other replica committed but our snapshot predates that commit, we read events it took:
// harmless, since the write below only inserts (and counts) for rows its DELETE actually removed.
// Bodies come along (as json, parsed once by the driver's JSON.parse of the whole row) only while
// some enabled subscription has a content filter: without one, fan-out needs none of them.
const READ = /* sql */ `
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS got),
filtering AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM subscriptions WHERE enabled AND content_filter IS NOT NULL) AS yes),
heads AS (
  SELECT e.seq, e.type, e.source_id, e.lead_id, CASE WHEN (SELECT yes FROM filtering) THEN e.body::json END AS body
  FROM fanout_pending f JOIN events e ON e.seq = f.seq
  WHERE (SELECT got FROM lock) ORDER BY f.seq LIMIT $2::int
)
SELECT (SELECT coalesce(json_agg(h ORDER BY h.seq), '[]') FROM heads h) AS events,
       (SELECT coalesce(json_agg(s), '[]') FROM subscriptions s WHERE s.enabled AND EXISTS (SELECT 1 FROM heads)) AS subs`;

// Round trip 2: take the events off the queue, insert their deliveries (multi-row, from arrays)
// and add up what the filters kept back ($8: 1-based indexes into $2, $9: the events' seqs).
// The DELETE ... RETURNING is what makes each event fan out exactly once, lock or no lock: a
// replica inserts deliveries only for the rows its own DELETE removed. Taking the smallest seqs
// first keeps one lead's deliveries in seq order: a lead's events come from one source's pages,
// committed one after another, so its earlier events are always queued (and taken) no later.
// FOR KEY SHARE on the subscriptions: one deleted since the read is skipped instead of failing
// the foreign key, and one cannot be deleted before this commits. subscription_filtered is written
// by fan-out alone, under the fan-out lock (or, without it, for rows no other replica took).
const WRITE = /* sql */ `
WITH taken AS (DELETE FROM fanout_pending WHERE seq = ANY($1::bigint[]) RETURNING seq),
live AS (SELECT id FROM subscriptions WHERE id = ANY($2::text[]) FOR KEY SHARE),
made AS (
  INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
  SELECT u.id, u.sub, u.seq, u.lead_key, 'pending', 0, $7::bigint, $7::bigint, $7::bigint
  FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) AS u(id, sub, seq, lead_key)
  WHERE u.seq IN (SELECT seq FROM taken) AND u.sub IN (SELECT id FROM live)
  RETURNING 1
),
kept_back AS (
  SELECT ($2::text[])[f.i] AS sub, count(*) AS n FROM unnest($8::int[], $9::bigint[]) AS f(i, seq)
  WHERE f.seq IN (SELECT seq FROM taken) AND ($2::text[])[f.i] IN (SELECT id FROM live)
  GROUP BY 1
),
counted AS (
  INSERT INTO subscription_filtered (subscription_id, filtered) SELECT sub, n FROM kept_back
  ON CONFLICT (subscription_id) DO UPDATE SET filtered = subscription_filtered.filtered + excluded.filtered
  RETURNING 1
)
SELECT (SELECT count(*) FROM taken)::int AS taken, (SELECT count(*) FROM made)::int AS made,
       (SELECT coalesce(json_agg(json_build_object('sub', sub, 'n', n)), '[]') FROM kept_back) AS filtered,
       (SELECT count(*) FROM counted)::int AS counted`;

interface HeadJson {
  seq: number | string;
  type: FanOutEvent['type'];
  source_id: string;
  lead_id: string;
  /** The parsed body, while some subscription has a filter; null otherwise. */
  body: unknown;
}

/** Fans out up to t.fanOutLimit events in the caller's transaction: how many it took, what filters kept back. */
export async function fanOut(
  client: PgClient,
  t: Pick<DeliveryTurn, 'fanOutLimit' | 'match' | 'newDeliveryId' | 'now'>,
): Promise<{ taken: number; filtered: Array<{ subscriptionId: string; count: number }> }> {
  const read = await client.query<{ events: HeadJson[]; subs: SubscriptionJson[] }>({
    name: 'lr_dlv_fanout_read',
    text: READ,
    values: [FANOUT_LOCK, t.fanOutLimit],
  });
  const { events, subs } = read.rows[0]!;
  if (events.length === 0) return { taken: 0, filtered: [] };
  const subscriptions: Subscription[] = subs.map(subscriptionFromJson);
  const ids: string[] = [];
  const subIds: string[] = [];
  const seqs: number[] = [];
  const leadKeys: string[] = [];
  const filteredSubs: number[] = [];
  const filteredSeqs: number[] = [];
  for (const row of events) {
    const body = row.body ?? undefined;
    const event: FanOutEvent = { seq: num(row.seq), type: row.type, sourceId: row.source_id, leadId: row.lead_id, payload: () => body };
    if (event.type === 'ping') continue; // a test send already has its one delivery
    subscriptions.forEach((sub, i) => {
      const decision = callback(() => t.match(event, sub));
      if (decision === 'filtered') {
        filteredSubs.push(i + 1);
        filteredSeqs.push(event.seq);
      }
      if (decision !== 'deliver') return;
      ids.push(callback(() => t.newDeliveryId()));
      subIds.push(sub.id);
      seqs.push(event.seq);
      leadKeys.push(`${event.sourceId}/${event.leadId}`);
    });
  }
  const write = await client.query<{ taken: number; filtered: Array<{ sub: string; n: number | string }> }>({
    name: 'lr_dlv_fanout_write',
    text: WRITE,
    values: [events.map((e) => num(e.seq)), subscriptions.map((s) => s.id), ids, subIds, seqs, leadKeys, t.now, filteredSubs, filteredSeqs],
  });
  const row = write.rows[0]!;
  return { taken: row.taken, filtered: row.filtered.map((f) => ({ subscriptionId: f.sub, count: Number(f.n) })) };
}
