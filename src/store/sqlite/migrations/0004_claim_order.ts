// The delivery queue's indexes for speed: the claim's ORDER BY (next_attempt_at, event_seq) served
// by one index, so a claim reads only the head of a subscription's queue instead of sorting every
// due row; and one index fewer to write per delivery.
import type { Migration } from './index.js';

// Measured (bench/DELIVERY_RESULTS.md): with deliveries_due (subscription_id, next_attempt_at) SQLite
// sorted all rows sharing a next_attempt_at ("USE TEMP B-TREE FOR LAST TERM OF ORDER BY") on every
// claim; 20k events fanned out together made each claim read all 20k rows, ~0.6 ms, and a claim
// runs after almost every finished attempt. The wider index replaces it (same leading columns).
// deliveries_next only served "the next due time", which the per-subscription index answers as
// well (one seek per enabled subscription); dropping it saves an index insert and delete per delivery.
export const m0004_claim_order: Migration = {
  version: 4,
  name: 'claim_order',
  sql: /* sql */ `
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at, event_seq) WHERE status = 'pending';
DROP INDEX deliveries_next;
`,
};
