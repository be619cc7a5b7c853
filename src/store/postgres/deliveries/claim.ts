// Claims: every subscription's due deliveries leased in one statement (LATERAL over the requested
// subscriptions), attempts + 1 and a new fencing token on each, returned with their event bodies.
import type { ClaimedDelivery } from '../../types.js';
import type { WebhookType } from '../../../model.js';
import { num, type PgQueryable } from './client.js';

// `gate`: what each subscription row allows right now, as SQLite's claim gate does: nothing while
// disabled or while its circuit is open; once the pause is over, one probe at a time (1 minus its
// leases); never more leases than max_concurrency, counted over every replica's live leases
// (delivery_leases rows with locked_until > now; an expired lease of a dead replica counts no more,
// and its delivery row, whose own locked_until has passed too, is claimable). The claim below
// changes no indexed column of deliveries, so it is a HOT update.
// The count is only right if no other replica claims for the subscription between it and our
// commit: the turn's first statement locked those subscription rows (record-attempts.ts) and this
// statement's snapshot is taken after that lock, so every earlier claim of them is seen and later
// ones wait for our commit. A subscription that needs the count but was not locked by us ($5: it
// became gated in between, a max_concurrency just set) gets nothing this turn rather than a guess.
//
// `picked`: per subscription, the due, unleased heads of their lead's queue (no pending delivery of
// the same lead with a smaller event_seq), oldest due first. FOR UPDATE SKIP LOCKED: rows another
// replica is claiming right now are passed over, not waited for; a row another replica claimed and
// committed after our snapshot is re-checked on its new version (READ COMMITTED), so its fresh lease
// excludes it. Per-lead order across replicas holds without locks: a lead's later delivery is only
// a head once the earlier one is no longer pending, and a claim leaves it pending, so two replicas
// can never hold two deliveries of one lead, whichever order their statements run in.
const SQL = /* sql */ `
WITH want AS (SELECT * FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS w(sub, lim, ord)),
gate AS (
  SELECT w.sub, w.ord,
    CASE WHEN NOT s.enabled OR s.circuit_open_until > $3::bigint THEN 0
         WHEN (s.max_concurrency IS NOT NULL OR s.circuit_open_until IS NOT NULL) AND NOT (s.id = ANY($5::text[])) THEN 0
         -- least() skips NULLs: each bound applies only when it exists. More leases than a bound
         -- allows (maxConcurrency lowered meanwhile) is 0, not a negative LIMIT.
         ELSE greatest(0, least(w.lim, CASE WHEN s.circuit_open_until IS NOT NULL THEN 1 - l.n END, s.max_concurrency - l.n)) END AS n
  FROM want w
  JOIN subscriptions s ON s.id = w.sub
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS n FROM delivery_leases dl
    WHERE (s.max_concurrency IS NOT NULL OR s.circuit_open_until IS NOT NULL)
      AND dl.subscription_id = s.id AND dl.locked_until > $3::bigint) l
),
picked AS (
  SELECT c.id, g.ord, c.next_attempt_at, c.event_seq FROM gate g
  CROSS JOIN LATERAL (
    SELECT d.id, d.next_attempt_at, d.event_seq FROM deliveries d
    WHERE d.subscription_id = g.sub AND d.status = 'pending' AND d.next_attempt_at <= $3::bigint
      AND (d.locked_until IS NULL OR d.locked_until <= $3::bigint)
      -- A scalar subquery, not NOT EXISTS: the planner turned NOT EXISTS into an anti-join, and in
      -- the generic plan of this prepared statement (planned while the queue was small, before
      -- ANALYZE saw it grow) that join read the subscription's whole pending queue for each candidate,
      -- on subscription_id alone: O(backlog) per claim, 44 ms at 20,000 pending (bench pg-delivery).
      -- A correlated subquery with LIMIT stays a per-row seek into deliveries_lead_order: the only
      -- index it can use, since deliveries_due's predicate wants a condition on next_attempt_at
      -- (migration 6 says why).
      AND (SELECT 1 FROM deliveries p
           WHERE p.subscription_id = d.subscription_id AND p.lead_key = d.lead_key
             AND p.status = 'pending' AND p.event_seq < d.event_seq
           LIMIT 1) IS NULL
    ORDER BY d.next_attempt_at, d.event_seq
    LIMIT g.n
    FOR UPDATE SKIP LOCKED) c
  WHERE g.n > 0
),
-- At most $6 in all (the worker's free slots), in the order the subscriptions were asked for.
ranked AS (
  SELECT id, ord, row_number() OVER (ORDER BY ord, next_attempt_at, event_seq) AS rn FROM picked
),
-- By primary key, one row at a time (= ANY of an array, and a LATERAL lookup of each body): the
-- planner cannot know how few rows \`picked\` yields (LIMIT g.n) and guessed ~1,300, so it hashed the
-- whole deliveries table for the UPDATE and merge-joined events from their first seq. Measured with
-- 20,000 pending: 52 ms per claim, where these take well under 1 ms.
claimed AS (
  UPDATE deliveries d SET attempts = d.attempts + 1, locked_until = $4::bigint, lease_token = d.lease_token + 1, updated_at = $3::bigint
  WHERE d.id = ANY (ARRAY(SELECT id FROM ranked WHERE rn <= $6::int))
  RETURNING d.id, d.subscription_id, d.event_seq, d.attempts, d.manual, d.lease_token, d.next_attempt_at
),
-- What the gate above counts (migration 6): a lease row per claim, deleted by the outcome or a
-- release. A row left for the same delivery (by an expired claim whose outcome never came) is replaced.
leased AS (
  INSERT INTO delivery_leases (subscription_id, delivery_id, locked_until)
  SELECT subscription_id, id, $4::bigint FROM claimed
  ON CONFLICT (subscription_id, delivery_id) DO UPDATE SET locked_until = excluded.locked_until
)
SELECT c.id, c.subscription_id, c.attempts, c.manual, c.lease_token,
       e.seq, e.id AS event_id, e.type, e.source_id, e.lead_id, e.created_at, e.body
FROM claimed c
JOIN ranked r ON r.id = c.id
CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.seq = c.event_seq) e
ORDER BY r.ord, c.next_attempt_at, c.event_seq`;

interface Row {
  id: string;
  subscription_id: string;
  attempts: number;
  manual: boolean;
  lease_token: string | number;
  seq: string | number;
  event_id: string;
  type: WebhookType;
  source_id: string;
  lead_id: string;
  created_at: string;
  body: string;
}

/**
 * Claims for each subscription up to its limit, leasing until leaseUntil. `gated`: the subscriptions
 * this transaction has locked (the claims whose counts need it are refused without).
 */
export async function claim(
  q: PgQueryable,
  claims: ReadonlyArray<{ subscriptionId: string; limit: number }>,
  now: number,
  leaseUntil: number,
  gated: readonly string[],
  maxTotal: number,
): Promise<ClaimedDelivery[]> {
  const wanted = claims.filter((c) => c.limit > 0);
  if (wanted.length === 0 || maxTotal <= 0) return [];
  const res = await q.query<Row>({
    name: 'lr_dlv_claim',
    text: SQL,
    values: [wanted.map((c) => c.subscriptionId), wanted.map((c) => c.limit), now, leaseUntil, gated, maxTotal],
  });
  return res.rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    attempt: r.attempts,
    manual: r.manual,
    leaseToken: num(r.lease_token),
    event: {
      seq: num(r.seq),
      id: r.event_id,
      type: r.type,
      sourceId: r.source_id,
      leadId: r.lead_id,
      createdAt: r.created_at,
      body: r.body,
    },
  }));
}
