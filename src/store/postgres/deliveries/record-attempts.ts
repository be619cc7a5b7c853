// Outcomes: finished attempts recorded in one statement however many there are (each one's delivery
// row, its attempt-log row and its subscription's health), the claim's fencing token checked.
import type { HealthPolicy, RecordRequest } from '../../types.js';
import { asError, isStatementFault, retrying, type PgQueryable } from './client.js';

// One statement for the whole batch; the health rules are SQLite's healthStmt, autoDisableStmt,
// disableSubStmt and deleteGoneHookStmt (src/store/sqlite/deliveries/record-attempts.ts), applied
// to each subscription's outcomes one by one in the order they finished, as SQLite does.
//
// Why a recursive CTE (`fold`): the rules are a state machine (the circuit's pause depends on each
// outcome's own time, failed probes double it, a 410 from a REST hook ends everything after it), so
// several outcomes of one subscription cannot be merged into one UPDATE's SET expressions. The fold
// starts from the subscription row as `locked` read it FOR NO KEY UPDATE, i.e. its latest committed
// version (READ COMMITTED re-reads a row it had to wait for), so another replica's outcomes committed
// meanwhile are built upon, not overwritten; then one UPDATE writes each subscription's end state.
// A plpgsql function looping over the records would do the same, but would live in a migration.
//
// Lock order, against deadlocks between replicas: `done` locks the delivery rows first (the fold
// needs its result), then `locked` takes the subscription rows sorted by id. A subscription is only
// locked when the batch can change it (a failure, or it is not clean): successes on a healthy
// endpoint, the common case, lock and write nothing there. `locked` also takes the subscriptions
// about to be claimed for whose claim counts leases (maxConcurrency, a half-open circuit), so the
// claim statement that follows, with a snapshot taken after the lock, sees every other replica's
// claims of them (see claim.ts).
//
// Records after a REST hook's 410 in the same batch return false, as in SQLite where the hook's
// deletion (ON DELETE CASCADE) took their deliveries before they were reached.
const SQL = /* sql */ `
WITH RECURSIVE
r AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::int[],
                       $9::text[], $10::text[], $11::int[], $12::text[], $13::bigint[], $14::int[], $15::text[], $16::text[], $22::text[])
    WITH ORDINALITY AS r(dlv, tok, sub, now, now_iso, status, next_at, code, err, att_id, att_no, trig, started, dur, excerpt, disable, hdrs, i)
  -- $23, the batch's length: it changes nothing, but a LIMIT the generic plan cannot know counts as
  -- a tenth of the ten rows an unnest of a parameter is guessed at, so that plan reaches each
  -- delivery row by its key. Planned while deliveries looked empty (a new database, before the
  -- first ANALYZE), it hashed the batch and read the whole table instead, for as long as the plan
  -- lived: 4-7 ms per batch at 20,000 rows, against 0.8 (bench/pg-cost.ts).
  LIMIT $23::int
),
done AS (
  UPDATE deliveries d SET status = r.status, next_attempt_at = coalesce(r.next_at, d.next_attempt_at), locked_until = NULL,
    manual = false, last_status_code = r.code, last_error = r.err, updated_at = r.now,
    completed_at = CASE WHEN r.status = 'pending' THEN NULL ELSE r.now END
  FROM r WHERE d.id = r.dlv AND d.lease_token = r.tok
  RETURNING r.i, d.id, d.subscription_id
),
-- The claim's lease row goes with it (claim.ts): only where the token matched, so a late outcome of
-- a lease taken over since leaves the new claim's row alone.
unleased AS (
  DELETE FROM delivery_leases dl USING done WHERE dl.subscription_id = done.subscription_id AND dl.delivery_id = done.id
),
steps AS (
  SELECT r.*, r.status = 'succeeded' AS ok, row_number() OVER (PARTITION BY r.sub ORDER BY r.i) AS k
  FROM r WHERE r.i IN (SELECT i FROM done)
),
locked AS (
  SELECT s.id, s.origin, s.enabled, s.disabled_reason, s.disabled_at, s.updated_at,
         s.consecutive_failures, s.failing_since, s.circuit_open_until, s.circuit_failed_probes
  FROM subscriptions s
  WHERE s.id IN (SELECT sub FROM steps WHERE NOT ok OR disable IS NOT NULL)
     OR (s.id IN (SELECT sub FROM steps)
         AND (s.consecutive_failures <> 0 OR s.failing_since IS NOT NULL OR s.circuit_open_until IS NOT NULL OR s.circuit_failed_probes <> 0))
     OR (s.id = ANY($17::text[]) AND (s.max_concurrency IS NOT NULL OR s.circuit_open_until IS NOT NULL))
  ORDER BY s.id
  FOR NO KEY UPDATE
),
fold AS (
  SELECT l.id AS sub, 0::bigint AS k, l.origin, l.enabled, l.disabled_reason, l.disabled_at, l.updated_at,
         l.consecutive_failures AS cf, l.failing_since AS fs, l.circuit_open_until AS cou, l.circuit_failed_probes AS probes, false AS gone
  FROM locked l WHERE l.id IN (SELECT sub FROM steps)
  UNION ALL
  SELECT f.sub, s.k, f.origin,
    f.enabled AND NOT (x.disables OR x.auto),
    CASE WHEN x.disables THEN s.disable
         WHEN x.auto THEN 'every attempt failed for more than ' || $21::text || ' (since '
                          || to_char(to_timestamp(h.fs / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
         ELSE f.disabled_reason END,
    CASE WHEN x.disables OR x.auto THEN s.now ELSE f.disabled_at END,
    CASE WHEN x.disables OR x.auto THEN s.now_iso ELSE f.updated_at END,
    h.cf, h.fs, h.cou, h.probes, x.gone
  FROM fold f
  JOIN steps s ON s.sub = f.sub AND s.k = f.k + 1
  -- healthStmt: every value from the row before this outcome.
  CROSS JOIN LATERAL (SELECT
    CASE WHEN s.ok THEN 0 ELSE f.cf + 1 END AS cf,
    CASE WHEN s.ok THEN NULL ELSE coalesce(f.fs, s.now) END AS fs,
    CASE WHEN s.ok THEN NULL
         WHEN f.cou > s.now THEN f.cou
         WHEN f.cou IS NOT NULL THEN s.now + $19::bigint * (1 << least(5, f.probes + 1))
         WHEN f.cf + 1 >= $18::int THEN s.now + $19::bigint
         ELSE NULL END AS cou,
    CASE WHEN s.ok OR f.cou IS NULL THEN 0 WHEN f.cou <= s.now THEN f.probes + 1 ELSE f.probes END AS probes) h
  -- Then: a 410 removes a REST hook; disableSubscription disables; other failures may auto-disable.
  CROSS JOIN LATERAL (SELECT
    s.disable IS NOT NULL AND coalesce(s.code = 410, false) AND f.origin = 'hook' AS gone,
    s.disable IS NOT NULL AND NOT (coalesce(s.code = 410, false) AND f.origin = 'hook') AND f.enabled AS disables,
    s.disable IS NULL AND NOT s.ok AND f.enabled AND h.fs IS NOT NULL AND s.now - h.fs >= $20::bigint AS auto) x
  WHERE NOT f.gone
),
last AS (SELECT DISTINCT ON (sub) * FROM fold WHERE k > 0 ORDER BY sub, k DESC),
removed AS (DELETE FROM subscriptions s USING last l WHERE s.id = l.sub AND l.gone RETURNING s.id),
health AS (
  UPDATE subscriptions s SET consecutive_failures = l.cf, failing_since = l.fs, circuit_open_until = l.cou,
    circuit_failed_probes = l.probes, enabled = l.enabled, disabled_reason = l.disabled_reason,
    disabled_at = l.disabled_at, updated_at = l.updated_at
  FROM last l
  WHERE s.id = l.sub AND NOT l.gone
    AND (s.consecutive_failures, s.failing_since, s.circuit_open_until, s.circuit_failed_probes, s.enabled,
         s.disabled_reason, s.disabled_at, s.updated_at)
        IS DISTINCT FROM (l.cf, l.fs, l.cou, l.probes, l.enabled, l.disabled_reason, l.disabled_at, l.updated_at)
  RETURNING s.id
),
kept AS (SELECT s.* FROM steps s WHERE NOT EXISTS (SELECT 1 FROM fold f WHERE f.sub = s.sub AND f.gone AND f.k < s.k)),
logged AS (
  INSERT INTO delivery_attempts (id, delivery_id, subscription_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, response_headers, next_attempt_at)
  SELECT att_id, dlv, sub, att_no, trig, started, dur, code, err, excerpt, hdrs, next_at FROM kept
  RETURNING 1
)
SELECT (SELECT coalesce(json_agg(i), '[]') FROM kept) AS recorded,
       (SELECT coalesce(json_agg(id), '[]') FROM locked WHERE id = ANY($17::text[])) AS gated`;

/** What the statement returns: which records it applied, and which claim subscriptions it locked. */
export interface RecordOutcome {
  recorded: boolean[];
  /** Of the subscriptions about to be claimed for, those now locked by this transaction. */
  gated: string[];
}

/**
 * Records the batch in the caller's transaction, in order, and locks the subscriptions about to be
 * claimed for whose claims count leases. Throws when any record fails (the caller decides).
 */
export async function recordBatch(q: PgQueryable, batch: readonly RecordRequest[], health: HealthPolicy, claimSubs: readonly string[]): Promise<RecordOutcome> {
  // A delivery recorded twice in one batch would be updated once by one UPDATE: split the batch
  // before the repeat, so each part sees the one before it (same transaction), as one by one would.
  const parts: RecordRequest[][] = [[]];
  let seen = new Set<string>();
  for (const r of batch) {
    if (seen.has(r.attempt.deliveryId)) {
      parts.push([]);
      seen = new Set();
    }
    seen.add(r.attempt.deliveryId);
    parts.at(-1)!.push(r);
  }
  const recorded: boolean[] = [];
  let gated: string[] = [];
  for (const [n, part] of parts.entries()) {
    const out = await run(q, part, health, n === 0 ? claimSubs : []);
    recorded.push(...out.recorded);
    if (n === 0) gated = out.gated;
  }
  return { recorded, gated };
}

/**
 * Each record alone, each in a transaction of its own (after the batch failed): one bad record
 * cannot take the others down. Per record: true, false or its error; database failures are thrown.
 */
export async function recordEach(q: PgQueryable, batch: readonly RecordRequest[], health: HealthPolicy): Promise<Array<boolean | Error>> {
  const results: Array<boolean | Error> = [];
  for (const r of batch) {
    try {
      results.push((await retrying(() => run(q, [r], health, []))).recorded[0]!);
    } catch (err) {
      if (!isStatementFault(err)) throw err;
      results.push(asError(err));
    }
  }
  return results;
}

async function run(q: PgQueryable, batch: readonly RecordRequest[], health: HealthPolicy, claimSubs: readonly string[]): Promise<RecordOutcome> {
  const a = batch.map((r) => r.attempt);
  const res = await q.query<{ recorded: number[]; gated: string[] }>({
    name: 'lr_dlv_record',
    text: SQL,
    values: [
      a.map((x) => x.deliveryId),
      batch.map((r) => r.leaseToken),
      batch.map((r) => r.subscriptionId),
      batch.map((r) => r.now),
      batch.map((r) => new Date(r.now).toISOString()),
      a.map((x) => (x.outcome === 'retry' ? 'pending' : x.outcome)),
      a.map((x) => x.nextAttemptAt),
      a.map((x) => x.statusCode),
      a.map((x) => x.error),
      a.map((x) => x.id),
      a.map((x) => x.attempt),
      a.map((x) => x.trigger),
      a.map((x) => x.startedAt),
      a.map((x) => x.durationMs),
      a.map((x) => x.responseExcerpt),
      a.map((x) => x.disableSubscription ?? null),
      claimSubs,
      health.circuitBreakerAfter,
      health.circuitBreakerCooldownMs,
      health.autoDisableAfterMs,
      health.autoDisableAfterText,
      a.map((x) => (x.responseHeaders ? JSON.stringify(x.responseHeaders) : null)),
      batch.length,
    ],
  });
  const row = res.rows[0]!;
  const applied = new Set(row.recorded.map(Number));
  return { recorded: batch.map((_r, i) => applied.has(i + 1)), gated: row.gated };
}
