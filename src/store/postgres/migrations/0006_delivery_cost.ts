// What each delivered webhook costs PostgreSQL (issue #13): fewer indexes on the two tables every
// webhook writes, and claims that are HOT updates.
//
// Every non-HOT update of a deliveries row writes a new entry into each of its indexes, and a claim
// was never HOT: deliveries_leased had locked_until in its key and predicate. Leases in flight are
// now rows of delivery_leases (inserted by the claim, deleted by the outcome or a release, in the
// same statements): a claim changes only columns no index holds (locked_until, lease_token,
// attempts, updated_at), so it is a HOT update (fillfactor 80 leaves the room), and the claim gate
// counts a subscription's live leases in this small table however long the backlog.
// deliveries.locked_until stays what decides whether a row is leased (claims, retry-now); the table
// is only what the counts read, so a row left in it misleads nothing once its locked_until has
// passed, and retention sweeps those: rows left by a claim whose outcome never came (its lease
// expires; a new claim of the delivery replaces the row). A subscription's rows go with it, however
// it is deleted (the trigger below).
//
// Dropped, with what serves their queries now:
// - deliveries_subscription_status (subscription_id, status, created_at): deliveries_by_status
//   (subscription_id, status, id), ids being time-ordered.
// - deliveries_by_status becomes partial, WHERE status <> 'succeeded': pending and failed rows (the
//   few) stay in it; a log of succeeded deliveries walks deliveries_by_subscription (subscription_id,
//   id) newest first and filters, which fills a page fast since most rows have succeeded.
// - Kept: deliveries_completed (completed_at) WHERE status <> 'pending', which retention walks. A
//   created_at bound instead (a delivery completes after it is created) would need an index with
//   created_at, and none is left here: a plain (created_at) one is written at creation and again by
//   the outcome (not a HOT update: status changes), where this one is written by the outcome only,
//   and it never holds pending rows (a disabled subscription's old backlog is not walked batch after
//   batch).
// - deliveries_leased: delivery_leases (above).
// - delivery_attempts_time (started_at, status_code): the per-minute figure reads
//   delivery_attempts_subscription (subscription_id, started_at, status_code) over every
//   subscription (an attempt's subscription exists: ON DELETE CASCADE).
// deliveries_due gets `next_attempt_at IS NOT NULL` in its predicate (always true: the column is
// NOT NULL). Only statements with a condition on next_attempt_at can use it now (the claim's scan,
// the next-due wait), and the claim's check that no earlier delivery of the same lead is pending
// has deliveries_lead_order alone. After an ANALYZE that saw few rows pending, both pending-only
// indexes look empty to the planner, and the tie went to deliveries_due: the check then read the
// subscription's pending queue from its start for each candidate (lead_key a filter), ~1,600
// buffers and 5-7 ms per claim with 20,000 pending where it takes 0.8 (bench/pg-cost.ts), until
// autovacuum's next ANALYZE, which on a large table may be far off.
//
// Kept: delivery_attempts' primary key. No attempt row is read by its id (the log is read by
// delivery_id, migrate-storage copies in SQLite rowid order), but a repeated attempt id is a bad
// record that fails alone (test/store-contract/deliveries.test.ts, as SQLite's key makes it).
//
// Rolling upgrades (index.ts): the previous version keeps working on this schema, only slower where
// it used a dropped index (its lease count for maxConcurrency and half-open circuits, retention),
// and its claims are not in delivery_leases: until every replica runs this version, a new replica's
// count of a subscription's attempts in flight leaves out the old replicas' ones. With
// maxConcurrency set, finish the roll quickly, or stop every replica first.
import type { PgMigration } from './index.js';

export const m0006_delivery_cost: PgMigration = {
  version: 6,
  name: 'delivery_cost',
  sql: /* sql */ `
CREATE TABLE delivery_leases (
  subscription_id TEXT COLLATE "C" NOT NULL,
  delivery_id TEXT COLLATE "C" NOT NULL,
  locked_until BIGINT NOT NULL,
  PRIMARY KEY (subscription_id, delivery_id)
);
-- A subscription's lease rows go with it, however it is deleted (the API, the config, a REST hook
-- removed by a 410): its deliveries cascade, and this keeps their leases from outliving them. A
-- trigger on the rare delete, not a foreign key that every claim's insert would have to check.
CREATE FUNCTION delivery_leases_of_deleted_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM delivery_leases WHERE subscription_id = OLD.id;
  RETURN OLD;
END $$;
CREATE TRIGGER subscriptions_delete_leases AFTER DELETE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION delivery_leases_of_deleted_subscription();
-- The leases in flight as it runs (later claims of replicas not upgraded yet are not: see above).
INSERT INTO delivery_leases (subscription_id, delivery_id, locked_until)
SELECT subscription_id, id, locked_until FROM deliveries WHERE locked_until IS NOT NULL AND status = 'pending';

DROP INDEX IF EXISTS deliveries_subscription_status;
DROP INDEX IF EXISTS deliveries_leased;
DROP INDEX deliveries_by_status;
CREATE INDEX deliveries_by_status ON deliveries (subscription_id, status, id) WHERE status <> 'succeeded';

DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at, event_seq) WHERE status = 'pending' AND next_attempt_at IS NOT NULL;

DROP INDEX IF EXISTS delivery_attempts_time;
`,
};
